"""Public pages of the partnerships app: projects, agreements, institutions."""

from django.urls import path

from partnerships import views

app_name = "partnerships"
urlpatterns = [
    path("projects/", views.project_list, name="project_list"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/figures.csv", views.project_figures_csv, name="project_csv"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/figures.csv", views.agreement_figures_csv, name="agreement_csv"),
    path("institutions/", views.institution_list, name="institution_list"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path(
        "institutions/<int:pk>/figures.csv",
        views.institution_figures_csv,
        name="institution_csv",
    ),
]
