"""Public pages of the outcomes app: the dashboard and what each of its figures is made of."""

from django.urls import path

from outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures/<str:kind>/<str:unit>/", views.figure_detail, name="figure"),
]
