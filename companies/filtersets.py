"""List filters for enterprises and industry sectors (see partnerships/filtersets.py)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from companies.choices import CertificationKind
from companies.models import Enterprise, Sector
from partnerships.filtersets import (
    ChoicesFilter,
    IdsFilter,
    RegistryFilterSet,
    SearchFilterSet,
    state_filter,
)


class SectorFilterSet(SearchFilterSet):
    """Sectors are reference data shipped with the code: no timestamps, hence no sync filters."""

    search_fields = ("code", "name", "name_en")

    code = django_filters.CharFilter(
        lookup_expr="startswith",
        label=_("Code"),
        help_text=_("GB/T 4754 code or its start: C for manufacturing, C39 for a division."),
    )
    ordering = django_filters.OrderingFilter(fields=("id", "code", "name"))

    class Meta:
        model = Sector
        fields = []


class EnterpriseFilterSet(RegistryFilterSet):
    search_fields = ("name", "name_en", "uscc", "address", "description")
    updated_with = ("incubator", "incubator_project")

    district_id = IdsFilter(field_name="district", label=_("District id"))
    sector_id = IdsFilter(field_name="sector", label=_("Sector id"))
    incubator_id = IdsFilter(field_name="incubator", label=_("Id of the incubating institution"))
    incubator_project_id = IdsFilter(
        field_name="incubator_project", label=_("Id of the incubator project")
    )
    source_id = IdsFilter(field_name="source", label=_("Source document id"))
    certification_kind = ChoicesFilter(
        method="filter_certification_kind",
        choices=CertificationKind.choices,
        label=_("Holds a certification of kind"),
        help_text=_("Enterprises that hold (or held) a certification of one of these kinds."),
    )
    state = state_filter()
    uscc = django_filters.CharFilter(label=_("Unified social credit code"))
    founded_after = django_filters.DateFilter(
        field_name="founded_on", lookup_expr="gte", label=_("Founded on or after")
    )
    founded_before = django_filters.DateFilter(
        field_name="founded_on", lookup_expr="lte", label=_("Founded on or before")
    )
    ordering = django_filters.OrderingFilter(fields=("id", "name", "founded_on", "updated_at"))

    class Meta:
        model = Enterprise
        fields = []

    def filter_certification_kind(self, queryset, name, value):
        holders = Enterprise.objects.filter(certifications__kind__in=value)
        return queryset.filter(id__in=holders.values("id"))
