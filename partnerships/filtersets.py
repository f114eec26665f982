"""List filters for districts, sources, institutions, agreements and projects (NetBox style).

One `<Model>FilterSet` per model: every foreign key as `<fk>_id` (repeat the parameter for
several ids), every choice field, a range for every date (`<date>_after`, `<date>_before`),
`updated_since` for mirroring, `q` free-text search, and `ordering`. The base classes here are
shared by the `companies` and `outcomes` filtersets.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from partnerships.api.auth import MAX_ID, Visibility
from partnerships.choices import (
    AgreementKind,
    AgreementStatus,
    Field,
    InstitutionKind,
    ProjectKind,
    ProjectStatus,
    PublicationState,
)
from partnerships.models import (
    Agreement,
    District,
    Institution,
    Project,
    PublishableModel,
    Source,
)
from partnerships.selectors import citing_rows_changed_since, source_citations


class IdsField(forms.MultipleChoiceField):
    """Whole-number ids from repeated parameters (`?district_id=1&district_id=2`)."""

    max_value = MAX_ID
    message = _("Enter positive whole numbers.")

    def to_python(self, value):
        ids = []
        for item in super().to_python(value):
            if not item:
                continue  # an empty parameter is no filter, as everywhere in django-filter
            try:
                number = int(item)
            except ValueError:
                raise forms.ValidationError(self.message, code="invalid") from None
            if not 0 < number <= self.max_value:
                raise forms.ValidationError(self.message, code="invalid")
            ids.append(number)
        return ids

    def validate(self, value):
        pass  # an unknown id is no error: it matches nothing, as in any other filter


@extend_schema_field(OpenApiTypes.INT64)
class IdsFilter(django_filters.MultipleChoiceFilter):
    field_class = IdsField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        condition = Q(**{f"{self.field_name}__in": value})
        field = queryset.model._meta.get_field(self.field_name)
        if field.is_relation and issubclass(field.related_model, PublishableModel):
            # A record the client may not read is absent: filtering by a draft's id finds
            # nothing, as for an id that does not exist, so drafts cannot be counted this way.
            condition &= readable(self.parent.request, self.field_name)
        return queryset.filter(condition)


def readable(request, path: str) -> Q:
    """Rows whose publishable record at `path` the client of `request` may read."""
    visibility = Visibility.for_request(request) if request is not None else Visibility(frozenset())
    return visibility.related(path)


class UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    def to_python(self, value):
        # Python accepts offsets up to ±23:59, PostgreSQL only up to ±15:59: compare in UTC.
        value = super().to_python(value)
        try:
            return value.astimezone(datetime.UTC) if value is not None else None
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date and time, with any offset (`2024-05-01T08:00:00+08:00`, `…Z`)."""

    field_class = UtcDateTimeField


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """One or more values of a choice field (`?kind=university&kind=college`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        return queryset.filter(**{f"{self.field_name}__in": value})


class SearchFilterSet(django_filters.FilterSet):
    """`q`: case-insensitive substring search over the model's `search_fields`."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        help_text=_("Text contained in the names, titles or descriptions (any language)."),
    )

    def search(self, queryset, name, value: str):
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class RegistryFilterSet(SearchFilterSet):
    """Adds what every timestamped model has: creation range and `updated_since`.

    `updated_with` names related records whose change counts as a change of this one: they
    are shown inside it, and their publication can hide or reveal them there (or, for an
    outcome, hide or reveal the outcome itself). A mirror polling `updated_since` then misses
    nothing; it may receive a few unchanged rows, which upserting makes harmless.
    """

    updated_with: tuple[str, ...] = ()

    updated_since = DateTimeFilter(
        method="filter_updated_since",
        label=_("Updated since"),
        help_text=_(
            "ISO 8601 date and time: records changed at or after it (for mirroring; see "
            "/api/v1/deletions/ for records removed or unpublished)."
        ),
    )
    created_after = DateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Created at or after")
    )
    created_before = DateTimeFilter(
        field_name="created_at", lookup_expr="lte", label=_("Created at or before")
    )

    def filter_updated_since(self, queryset, name, value: datetime.datetime):
        condition = Q(updated_at__gte=value)
        if not self.updated_with:
            return queryset.filter(condition)
        for relation in self.updated_with:
            condition |= Q(**{f"{relation}__updated_at__gte": value})
        # A subquery, so that to-many relations do not repeat rows.
        return queryset.filter(id__in=queryset.model.objects.filter(condition).values("id"))


def state_filter():
    return ChoicesFilter(
        choices=PublicationState.choices,
        label=_("Publication state"),
        help_text=_("Only clients that may see drafts get other states than published."),
    )


class DistrictFilterSet(RegistryFilterSet):
    search_fields = ("code", "name", "name_en")

    code = django_filters.CharFilter(
        lookup_expr="startswith",
        label=_("Division code"),
        help_text=_("Division code or its start: 14 for Shanxi, 1401 for Taiyuan."),
    )
    ordering = django_filters.OrderingFilter(fields=("id", "code", "name", "updated_at"))

    class Meta:
        model = District
        fields = []


class SourceFilterSet(RegistryFilterSet):
    search_fields = ("title", "publisher", "authors")

    def filter_updated_since(self, queryset, name, value: datetime.datetime):
        # A source is public while a public record cites it: a citing record published (or
        # changed) since counts as a change of the source, so a mirror learns of it.
        condition = Q(updated_at__gte=value)
        for model, field in source_citations():
            cited = citing_rows_changed_since(model, value).values(field.attname)
            condition |= Q(id__in=cited)
        return queryset.filter(condition)

    published_after = django_filters.DateFilter(
        field_name="published_on", lookup_expr="gte", label=_("Published on or after")
    )
    published_before = django_filters.DateFilter(
        field_name="published_on", lookup_expr="lte", label=_("Published on or before")
    )
    ordering = django_filters.OrderingFilter(fields=("id", "title", "published_on", "updated_at"))

    class Meta:
        model = Source
        fields = []


class InstitutionFilterSet(RegistryFilterSet):
    search_fields = ("name", "name_en", "short_name", "location", "description")
    updated_with = ("parent", "sub_units")

    district_id = IdsFilter(field_name="district", label=_("Maintaining district id"))
    parent_id = IdsFilter(field_name="parent", label=_("Parent institution id"))
    source_id = IdsFilter(field_name="source", label=_("Source document id"))
    kind = ChoicesFilter(choices=InstitutionKind.choices, label=_("Kind"))
    state = state_filter()
    uscc = django_filters.CharFilter(label=_("Unified social credit code"))
    school_code = django_filters.CharFilter(label=_("School identification code"))
    ordering = django_filters.OrderingFilter(fields=("id", "name", "updated_at"))

    class Meta:
        model = Institution
        fields = []


class AgreementFilterSet(RegistryFilterSet):
    search_fields = ("title", "title_en", "summary", "summary_en")
    updated_with = ("part_of", "phases", "parties__institution", "enterprise_parties__enterprise")

    district_id = IdsFilter(field_name="district", label=_("District id"))
    part_of_id = IdsFilter(field_name="part_of", label=_("Id of the agreement it is a phase of"))
    source_id = IdsFilter(field_name="source", label=_("Source document id"))
    party_institution_id = IdsFilter(
        method="filter_party_institution",
        label=_("Institution id of a party"),
        help_text=_("Agreements to which one of these institutions is a party."),
    )
    kind = ChoicesFilter(choices=AgreementKind.choices, label=_("Kind"))
    status = ChoicesFilter(choices=AgreementStatus.choices, label=_("Status"))
    state = state_filter()
    signed_after = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="gte", label=_("Signed on or after")
    )
    signed_before = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="lte", label=_("Signed on or before")
    )
    starts_after = django_filters.DateFilter(
        field_name="starts_on", lookup_expr="gte", label=_("Term starts on or after")
    )
    starts_before = django_filters.DateFilter(
        field_name="starts_on", lookup_expr="lte", label=_("Term starts on or before")
    )
    ends_after = django_filters.DateFilter(
        field_name="ends_on", lookup_expr="gte", label=_("Term ends on or after")
    )
    ends_before = django_filters.DateFilter(
        field_name="ends_on", lookup_expr="lte", label=_("Term ends on or before")
    )
    ordering = django_filters.OrderingFilter(fields=("id", "title", "signed_on", "updated_at"))

    class Meta:
        model = Agreement
        fields = []

    def filter_party_institution(self, queryset, name, value):
        path = "parties__institution"
        parties = Agreement.objects.filter(
            Q(parties__institution_id__in=value) & readable(self.request, path)
        )
        return queryset.filter(id__in=parties.values("id"))


class ProjectFilterSet(RegistryFilterSet):
    search_fields = ("title", "title_en", "summary", "summary_en", "address")
    updated_with = (
        "agreement",
        "part_of",
        "participants__institution",
        "enterprise_participants__enterprise",
    )

    district_id = IdsFilter(field_name="district", label=_("District id"))
    agreement_id = IdsFilter(field_name="agreement", label=_("Agreement id"))
    part_of_id = IdsFilter(field_name="part_of", label=_("Id of the project it is part of"))
    source_id = IdsFilter(field_name="source", label=_("Source document id"))
    participant_institution_id = IdsFilter(
        method="filter_participant_institution",
        label=_("Institution id of a participant"),
        help_text=_("Projects in which one of these institutions takes part."),
    )
    participant_enterprise_id = IdsFilter(
        method="filter_participant_enterprise",
        label=_("Enterprise id of a participant"),
        help_text=_("Projects in which one of these enterprises takes part."),
    )
    kind = ChoicesFilter(choices=ProjectKind.choices, label=_("Kind"))
    field = ChoicesFilter(choices=Field.choices, label=_("Field"))
    status = ChoicesFilter(choices=ProjectStatus.choices, label=_("Status"))
    state = state_filter()
    starts_after = django_filters.DateFilter(
        field_name="starts_on", lookup_expr="gte", label=_("Starts on or after")
    )
    starts_before = django_filters.DateFilter(
        field_name="starts_on", lookup_expr="lte", label=_("Starts on or before")
    )
    ends_after = django_filters.DateFilter(
        field_name="ends_on", lookup_expr="gte", label=_("Ends on or after")
    )
    ends_before = django_filters.DateFilter(
        field_name="ends_on", lookup_expr="lte", label=_("Ends on or before")
    )
    opened_after = django_filters.DateFilter(
        field_name="opened_on", lookup_expr="gte", label=_("Opened on or after")
    )
    opened_before = django_filters.DateFilter(
        field_name="opened_on", lookup_expr="lte", label=_("Opened on or before")
    )
    ordering = django_filters.OrderingFilter(fields=("id", "title", "starts_on", "updated_at"))

    class Meta:
        model = Project
        fields = []

    def filter_participant_institution(self, queryset, name, value):
        path = "participants__institution"
        projects = Project.objects.filter(
            Q(participants__institution_id__in=value) & readable(self.request, path)
        )
        return queryset.filter(id__in=projects.values("id"))

    def filter_participant_enterprise(self, queryset, name, value):
        path = "enterprise_participants__enterprise"
        projects = Project.objects.filter(
            Q(enterprise_participants__enterprise_id__in=value) & readable(self.request, path)
        )
        return queryset.filter(id__in=projects.values("id"))
