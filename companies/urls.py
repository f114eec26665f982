"""Public pages of the companies app: enterprises."""

from django.urls import path

from companies import views

app_name = "companies"
urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/figures.csv", views.enterprise_figures_csv, name="enterprise_csv"),
]
