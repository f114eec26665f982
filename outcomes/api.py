"""REST API resources for outcomes and targets, the outcome statistics and the deletions feed.

Statistics come from `outcomes.selectors.outcome_totals` only: the API applies the same honesty
rules as the dashboards, never a second implementation of them.
"""

import base64
import binascii
import datetime
import hashlib
import json

from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from companies.models import Enterprise
from outcomes.choices import Unit
from outcomes.filtersets import OutcomeFilterSet, OutcomeStatsFilterSet, TargetFilterSet
from outcomes.models import ATTRIBUTIONS, Outcome, Target
from outcomes.selectors import GROUP_DIMENSIONS, cached_aggregate, outcome_totals
from partnerships.api.auth import ReadOnly, Visibility
from partnerships.api.endpoints import (
    AgreementCompactSerializer,
    DistrictCompactSerializer,
    EnterpriseCompactSerializer,
    InstitutionCompactSerializer,
    ProjectCompactSerializer,
    SourceCompactSerializer,
)
from partnerships.api.pagination import KeysetCursorPagination, utc
from partnerships.api.resources import (
    PartialDateField,
    RegistryModelViewSet,
    RegistryViewMixin,
    ValidatedModelSerializer,
    VisibleRelatedField,
    WritableDistrictField,
)
from partnerships.choices import PublicationState, Qualifier
from partnerships.models import Agreement, Deletion, District, Institution, Project, Source
from partnerships.selectors import (
    citing_rows_changed_since,
    once_public,
    publicly_cited_q,
    source_citations,
)

FIGURE_FIELDS = [
    "id",
    "district",
    "district_id",
    "kind",
    "description",
    "quantity",
    "unit",
    "qualifier",
    "reported_text",
    "project",
    "project_id",
    "agreement",
    "agreement_id",
    "institution",
    "institution_id",
    "enterprise",
    "enterprise_id",
    "source",
    "source_id",
    "source_passage",
    "state",
    "created_at",
    "updated_at",
]


class FigureSerializer(ValidatedModelSerializer):
    """What outcomes and targets share: the figure, what it is attributed to, its source."""

    district = DistrictCompactSerializer(read_only=True)
    district_id = WritableDistrictField(District, source="district")
    project = ProjectCompactSerializer(read_only=True, allow_null=True)
    project_id = VisibleRelatedField(Project, source="project", required=False, allow_null=True)
    agreement = AgreementCompactSerializer(read_only=True, allow_null=True)
    agreement_id = VisibleRelatedField(
        Agreement, source="agreement", required=False, allow_null=True
    )
    institution = InstitutionCompactSerializer(read_only=True, allow_null=True)
    institution_id = VisibleRelatedField(
        Institution, source="institution", required=False, allow_null=True
    )
    enterprise = EnterpriseCompactSerializer(read_only=True, allow_null=True)
    enterprise_id = VisibleRelatedField(
        Enterprise, source="enterprise", required=False, allow_null=True
    )
    source = SourceCompactSerializer(read_only=True)
    source_id = VisibleRelatedField(Source, source="source")


class OutcomeSerializer(FigureSerializer):
    as_of = PartialDateField("as_of")
    period_start = PartialDateField("period_start")
    period_end = PartialDateField("period_end")

    class Meta:
        model = Outcome
        fields = [
            *FIGURE_FIELDS[:5],
            "form",
            "title",
            "title_en",
            *FIGURE_FIELDS[5:9],
            "basis",
            "as_of",
            "period_start",
            "period_end",
            "patent_type",
            "patent_status",
            "patent_number",
            "software_copyright_number",
            "standard_number",
            "standard_level",
            "enterprise_category",
            *FIGURE_FIELDS[9:],
        ]
        read_only_fields = ["state"]


class TargetSerializer(FigureSerializer):
    due_on = PartialDateField("due_on")
    period_start = PartialDateField("period_start")

    class Meta:
        model = Target
        fields = [
            *FIGURE_FIELDS[:9],
            "quantity_is_stated",
            "due_on",
            "period_start",
            *FIGURE_FIELDS[9:],
        ]
        read_only_fields = ["state"]


def figure_queryset(viewset, model):
    return viewset.visible(model.objects.all()).select_related(
        "district",  # district
        "project",  # project
        "agreement",  # agreement
        "institution",  # institution
        "enterprise",  # enterprise
        "source",  # source
    )


class OutcomeViewSet(RegistryModelViewSet):
    serializer_class = OutcomeSerializer
    read_rows = True
    filterset_class = OutcomeFilterSet

    def get_queryset(self):
        return figure_queryset(self, Outcome)


class TargetViewSet(RegistryModelViewSet):
    serializer_class = TargetSerializer
    read_rows = True
    filterset_class = TargetFilterSet

    def get_queryset(self):
        return figure_queryset(self, Target)


# --- Statistics ----------------------------------------------------------------------------------

ALWAYS_GROUPED = ("kind", "unit")
RULES = _(
    "Totals follow the registry's honesty rules. A cumulative figure is a snapshot: for one "
    "series only the latest stands, and only increments for periods after it are added. "
    "Figures are added only within one unit; money is exact yuan. A total that includes a "
    '"more than" figure is "more than"; anything "about" makes it "about". Itemised records '
    "(patents, copyrights, standards) covered by a reported count of the same scope are not "
    "added again. Only published records are counted for the public. Each group lists the "
    "outcomes it adds up, the itemised records it covers and the snapshots it supersedes."
)


class StatsGroupSerializer(serializers.Serializer):
    kind = serializers.CharField()
    unit = serializers.ChoiceField(choices=Unit.choices)
    category = serializers.CharField(
        required=False, help_text=_("Patent type, status, standard level or enterprise category.")
    )
    year = serializers.IntegerField(required=False, allow_null=True)
    field = serializers.CharField(required=False, allow_null=True)
    district = serializers.IntegerField(required=False, help_text=_("District id."))
    project = serializers.IntegerField(required=False, allow_null=True, help_text=_("Project id."))
    agreement = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("Agreement id.")
    )
    enterprise = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("Enterprise id.")
    )
    institution = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("Top-level institution id (sub-units count for their university)."),
    )
    quantity = serializers.DecimalField(max_digits=30, decimal_places=2)
    qualifier = serializers.ChoiceField(choices=Qualifier.choices)
    method = serializers.CharField(help_text=_("Which figures the total shows, in words."))
    outcome_ids = serializers.ListField(child=serializers.IntegerField())
    covered_item_ids = serializers.ListField(child=serializers.IntegerField())
    superseded_ids = serializers.ListField(child=serializers.IntegerField())


class StatsSerializer(serializers.Serializer):
    group_by = serializers.ListField(child=serializers.CharField())
    groups = StatsGroupSerializer(many=True)
    rules = serializers.CharField()


class OutcomeStatsView(RegistryViewMixin, generics.GenericAPIView):
    """Honest totals of outcomes, grouped by kind and unit and any further dimensions."""

    permission_classes = [ReadOnly]
    filter_backends = [DjangoFilterBackend]
    filterset_class = OutcomeStatsFilterSet
    pagination_class = None
    serializer_class = StatsGroupSerializer

    def get_queryset(self):
        # outcome_totals reads the columns it needs itself; nothing to select_related here.
        return Visibility.for_request(self.request).filter(Outcome.objects.all())

    @extend_schema(
        filters=True,
        parameters=[
            OpenApiParameter(
                "group_by",
                {"type": "array", "items": {"type": "string", "enum": list(GROUP_DIMENSIONS)}},
                style="form",
                explode=False,
                description=_(
                    "Comma-separated dimensions to group by besides kind and unit, which are "
                    "always grouped (figures in different units are never added)."
                ),
            )
        ],
        responses=StatsSerializer,
    )
    def get(self, request, *args, **kwargs):
        requested = [
            name.strip()
            for value in request.query_params.getlist("group_by")
            for name in value.split(",")
            if name.strip()
        ]
        unknown = sorted(set(requested) - set(GROUP_DIMENSIONS))
        if unknown:
            raise exceptions.ValidationError(
                {
                    "group_by": [
                        _("Cannot group by %(unknown)s; choose from %(allowed)s.")
                        % {"unknown": ", ".join(unknown), "allowed": ", ".join(GROUP_DIMENSIONS)}
                    ]
                }
            )
        by = [name for name in dict.fromkeys(requested) if name not in ALWAYS_GROUPED]
        # Validates the filters (a bad one is a 400 before anything is cached); runs no query.
        outcomes = self.filter_queryset(self.get_queryset())
        # A group names only institutions the client may read, as the lists show them.
        institutions = Visibility.for_request(request).filter(Institution.objects.all())
        totals = cached_aggregate(
            self.cache_key(request, by),
            lambda: outcome_totals(outcomes, by=by, institutions=institutions),
        )
        # Only the requested dimensions, each group in the same shape as StatsGroupSerializer.
        groups = [
            {
                **total.group,
                "quantity": f"{total.quantity:.2f}",
                "qualifier": total.qualifier,
                "method": total.method,
                "outcome_ids": total.outcome_ids,
                "covered_item_ids": total.covered_item_ids,
                "superseded_ids": total.superseded_ids,
            }
            for total in totals
        ]
        if request.accepted_renderer.format == "csv":
            return Response(groups)
        return Response({"group_by": [*ALWAYS_GROUPED, *by], "groups": groups, "rules": RULES})

    @staticmethod
    def cache_key(request, by: list[str]) -> str:
        """The same totals for the same filters and the same readable records."""
        district_ids = Visibility.for_request(request).district_ids
        readable = None if district_ids is None else sorted(district_ids)
        filters = sorted(
            (name, sorted(values))
            for name, values in request.query_params.lists()
            if name not in ("group_by", "format")
        )
        digest = hashlib.sha256(json.dumps([filters, by, readable]).encode()).hexdigest()
        return f"stats:{digest}"


# Resources whose records can leave the public registry (deleted or unpublished); a source
# leaves it when no public record cites it any more.
SOURCES = "sources"
PUBLISHABLE_RESOURCES = (
    "institutions",
    "agreements",
    "projects",
    "enterprises",
    "outcomes",
    "targets",
    SOURCES,
)

# --- Deletions feed ------------------------------------------------------------------------------
# Here rather than in partnerships: it covers every publishable model, and outcomes is the layer
# that sees them all.


class DeletionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=[(name, name) for name in PUBLISHABLE_RESOURCES],
        help_text=_("The resource the record belonged to, as in its URL."),
    )
    id = serializers.IntegerField()
    at = serializers.DateTimeField(help_text=_("When it was deleted or stopped being public."))


class DeletionPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True, help_text=_("Always null: walk forward."))
    results = DeletionSerializer(many=True)


class DeletionQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(
        help_text=_("ISO 8601 date and time: list what was removed at or after it.")
    )


def removals(since):
    """(type, id, at) of records that left the public registry at or after `since`.

    Deleted records that were public once (the Deletion rows), and records that were published
    once and are not public now. An outcome or target also stops being public when a record it
    is attributed to is unpublished, so that record's change counts as the figure's.
    """
    published = PublicationState.PUBLISHED
    public_sources = Source.objects.filter(publicly_cited_q()).values("id")
    parts = [
        Deletion.objects.filter(deleted_at__gte=since)
        # A source whose citing record was deleted may be cited again by another since.
        .exclude(resource=SOURCES, object_id__in=public_sources)
        .annotate(resource_name=F("resource"), record=F("object_id"), at=F("deleted_at"))
    ]
    # A source leaves the public when the last public record citing it does: name it for each
    # citing row that was public once and changed since, while the source is not public now.
    for model, field in source_citations():
        parts.append(
            citing_rows_changed_since(model, since)
            .filter(once_public(model), **{f"{field.attname}__isnull": False})
            .exclude(**{f"{field.attname}__in": public_sources})
            .annotate(
                resource_name=Value(SOURCES),
                record=F(field.attname),
                at=F("changed_at"),
            )
        )
    for model in (Institution, Agreement, Project, Enterprise):
        parts.append(
            model.objects.exclude(state=published)
            .filter(first_published_at__isnull=False, updated_at__gte=since)
            .annotate(resource_name=Value(model.api_resource), record=F("id"), at=F("updated_at"))
        )
    for model in (Outcome, Target):
        changed = Greatest(
            "updated_at", *(Coalesce(f"{name}__updated_at", "updated_at") for name in ATTRIBUTIONS)
        )
        parts.append(
            model.objects.filter(first_published_at__isnull=False)
            .exclude(id__in=model.objects.public().values("id"))
            .annotate(resource_name=Value(model.api_resource), record=F("id"), at=changed)
            .filter(at__gte=since)
        )
    return parts


class DeletionFeedView(RegistryViewMixin, generics.GenericAPIView):
    """What was deleted or unpublished since a time: apply it after the lists' updated_since."""

    permission_classes = [ReadOnly]
    serializer_class = DeletionSerializer
    pagination_class = None
    filter_backends = []

    def get_csv_columns(self) -> list[str]:
        return ["type", "id", "at"]

    @extend_schema(
        parameters=[
            DeletionQuerySerializer,
            OpenApiParameter("cursor", str, description=_("The pagination cursor value.")),
            OpenApiParameter(
                "page_size", int, description=KeysetCursorPagination.page_size_query_description
            ),
        ],
        responses=DeletionPageSerializer,
    )
    def get(self, request, *args, **kwargs):
        query = DeletionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        pager = KeysetCursorPagination()
        page_size = pager.get_page_size(request)
        position = self.decode_cursor(request)
        rows = []
        # One small query per source, merged here: each returns at most a page past the cursor.
        for part in removals(query.validated_data["since"]):
            if position is not None:
                at, resource, record = position
                part = part.filter(
                    Q(at__gt=at)
                    | Q(at=at, resource_name__gt=resource)
                    | Q(at=at, resource_name=resource, record__gt=record)
                )
            part = part.order_by("at", "resource_name", "record")
            rows += part.values("resource_name", "record", "at")[: page_size + 1]
        rows.sort(key=lambda row: (row["at"], row["resource_name"], row["record"]))
        page = rows[:page_size]
        results = self.get_serializer(
            [{"type": row["resource_name"], "id": row["record"], "at": row["at"]} for row in page],
            many=True,
        ).data
        next_link = None
        if len(rows) > page_size:
            last = page[-1]
            cursor = json.dumps([last["at"].isoformat(), last["resource_name"], last["record"]])
            encoded = base64.urlsafe_b64encode(cursor.encode()).decode("ascii")
            next_link = replace_query_param(request.build_absolute_uri(), "cursor", encoded)
        headers = {"Link": f'<{next_link}>; rel="next"'} if next_link else None
        if request.accepted_renderer.format == "csv":
            return Response(results, headers=headers)
        return Response({"next": next_link, "previous": None, "results": results}, headers=headers)

    def decode_cursor(self, request):
        encoded = request.query_params.get("cursor")
        if encoded is None:
            return None
        try:
            at, kind, record = json.loads(base64.urlsafe_b64decode(encoded.encode("ascii")))
            at = datetime.datetime.fromisoformat(at)
            if kind not in PUBLISHABLE_RESOURCES or not isinstance(record, int) or not at.tzinfo:
                raise ValueError
            at = utc(at)
        except (ValueError, TypeError, OverflowError, UnicodeError, binascii.Error):
            raise exceptions.NotFound(_("Invalid cursor")) from None
        return at, kind, record
