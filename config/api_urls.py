"""/api/v1/: one route per resource, the deletions feed, statistics, the schema and its docs."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import APIRootView, DefaultRouter

from companies.api import EnterpriseViewSet, SectorViewSet
from outcomes.api import DeletionFeedView, OutcomeStatsView, OutcomeViewSet, TargetViewSet
from partnerships.api.auth import ReadOnly
from partnerships.api.endpoints import (
    AgreementViewSet,
    DistrictViewSet,
    InstitutionViewSet,
    ProjectViewSet,
    SourceViewSet,
)
from partnerships.api.resources import RegistryViewMixin

app_name = "api"


class RootView(RegistryViewMixin, APIRootView):
    """The registry's REST API: one link per resource. See /api/v1/docs/ for everything else."""

    permission_classes = [ReadOnly]


class Router(DefaultRouter):
    APIRootView = RootView
    include_format_suffixes = False  # ?format=csv is the one way to ask for a format in a URL


router = Router()
router.register("districts", DistrictViewSet, basename="district")
router.register("sources", SourceViewSet, basename="source")
router.register("sectors", SectorViewSet, basename="sector")
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("projects", ProjectViewSet, basename="project")
router.register("outcomes", OutcomeViewSet, basename="outcome")
router.register("targets", TargetViewSet, basename="target")


class SchemaView(RegistryViewMixin, SpectacularAPIView):
    pass


urlpatterns = [
    path("deletions/", DeletionFeedView.as_view(), name="deletions"),
    path("stats/outcomes/", OutcomeStatsView.as_view(), name="stats-outcomes"),
    path("schema/", SchemaView.as_view(), name="schema"),
    # Swagger UI and Redoc from the sidecar's static files: no CDN, the docs work offline. The
    # split view serves Swagger UI's start-up script as a file (?script): no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    # Redoc styles itself with styled-components, which writes <style> elements at run time and
    # stops with "Something went wrong" when they are refused, and runs its search in a worker
    # made from a blob: URL. This one page allows both (never inline script); Swagger UI needs
    # no exception.
    path(
        "redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
    *router.urls,
]
