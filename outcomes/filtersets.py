"""List filters for outcomes and targets, and the scoped filters of the statistics endpoint."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from companies.models import Enterprise
from outcomes.choices import (
    Basis,
    EnterpriseCategory,
    OutcomeForm,
    OutcomeKind,
    PatentStatus,
    PatentType,
    StandardLevel,
    Unit,
)
from outcomes.models import Outcome, Target
from outcomes.selectors import (
    agreement_scope,
    enterprise_scope,
    institution_scope,
    outcomes_in_scope,
    project_scope,
    with_effective_date,
)
from partnerships.api.auth import Visibility
from partnerships.choices import Field, Qualifier
from partnerships.filtersets import (
    ChoicesFilter,
    IdsField,
    IdsFilter,
    RegistryFilterSet,
    state_filter,
)
from partnerships.models import Agreement, Institution, Project

# An outcome or target is shown with the records it is attributed to, and is public only when
# they are published: their changes count as changes of the figure (see RegistryFilterSet).
ATTRIBUTED = ("project", "agreement", "institution", "enterprise")


class YearsField(IdsField):
    max_value = 9999


@extend_schema_field(OpenApiTypes.INT)
class YearsFilter(IdsFilter):
    """Years of the date a figure speaks for, as the statistics count them."""

    field_class = YearsField

    def filter(self, queryset, value):
        if not value:
            return queryset
        # The same date as outcomes.selectors uses for the "year" dimension of the totals.
        dated = with_effective_date(Outcome.objects.all()).filter(effective_on__year__in=value)
        return queryset.filter(id__in=dated.values("id"))


class FigureFilterSet(RegistryFilterSet):
    search_fields = ("description", "reported_text", "source_passage")
    updated_with = ATTRIBUTED

    district_id = IdsFilter(field_name="district", label=_("District id"))
    project_id = IdsFilter(field_name="project", label=_("Project id (directly attributed)"))
    agreement_id = IdsFilter(field_name="agreement", label=_("Agreement id (directly attributed)"))
    institution_id = IdsFilter(
        field_name="institution", label=_("Institution id (directly attributed)")
    )
    enterprise_id = IdsFilter(
        field_name="enterprise", label=_("Enterprise id (directly attributed)")
    )
    source_id = IdsFilter(field_name="source", label=_("Source document id"))
    kind = ChoicesFilter(choices=OutcomeKind.choices, label=_("Kind"))
    unit = ChoicesFilter(choices=Unit.choices, label=_("Unit"))
    qualifier = ChoicesFilter(choices=Qualifier.choices, label=_("Qualifier"))
    field = ChoicesFilter(
        field_name="project__field", choices=Field.choices, label=_("Field of the project")
    )
    state = state_filter()


class OutcomeFilterSet(FigureFilterSet):
    search_fields = (
        *FigureFilterSet.search_fields,
        "title",
        "title_en",
        "patent_number",
        "software_copyright_number",
        "standard_number",
    )

    institution_scope_id = IdsFilter(
        method="filter_institution_scope",
        label=_("Institution id, with its sub-units, projects and agreements"),
        help_text=_(
            "Outcomes that count for these institutions: attributed to them or their sub-units, "
            "or to projects and agreements they take part in."
        ),
    )
    form = ChoicesFilter(choices=OutcomeForm.choices, label=_("Form"))
    basis = ChoicesFilter(choices=Basis.choices, label=_("Basis"))
    patent_type = ChoicesFilter(choices=PatentType.choices, label=_("Patent type"))
    patent_status = ChoicesFilter(choices=PatentStatus.choices, label=_("Patent status"))
    standard_level = ChoicesFilter(choices=StandardLevel.choices, label=_("Standard level"))
    enterprise_category = ChoicesFilter(
        choices=EnterpriseCategory.choices, label=_("Enterprise category")
    )
    year = YearsFilter(
        label=_("Year"),
        help_text=_(
            "Year of the date the figure speaks for: its as-of date, else its period, else the "
            "publication date of its source."
        ),
    )
    as_of_after = django_filters.DateFilter(
        field_name="as_of", lookup_expr="gte", label=_("As of or after")
    )
    as_of_before = django_filters.DateFilter(
        field_name="as_of", lookup_expr="lte", label=_("As of or before")
    )
    period_start_after = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label=_("Period starts on or after")
    )
    period_start_before = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label=_("Period starts on or before")
    )
    period_end_after = django_filters.DateFilter(
        field_name="period_end", lookup_expr="gte", label=_("Period ends on or after")
    )
    period_end_before = django_filters.DateFilter(
        field_name="period_end", lookup_expr="lte", label=_("Period ends on or before")
    )
    ordering = django_filters.OrderingFilter(
        fields=("id", "kind", "as_of", "period_end", "quantity", "updated_at")
    )

    class Meta:
        model = Outcome
        fields = []

    def filter_institution_scope(self, queryset, name, value):
        return self.scoped(queryset, Institution, institution_scope, value)

    def scoped(self, queryset, model, scope_of, ids):
        """Outcomes in the scope of any of the records `ids`, by outcomes.selectors' scopes."""
        scope = Q(pk__in=[])
        # Only records the client may read: a draft's scope would reveal what it covers.
        for record in Visibility.for_request(self.request).filter(model.objects.filter(id__in=ids)):
            scope |= scope_of(record)
        return queryset & outcomes_in_scope(scope, public=False)


class TargetFilterSet(FigureFilterSet):
    due_after = django_filters.DateFilter(
        field_name="due_on", lookup_expr="gte", label=_("Due on or after")
    )
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte", label=_("Due on or before")
    )
    period_start_after = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label=_("Period starts on or after")
    )
    period_start_before = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label=_("Period starts on or before")
    )
    quantity_is_stated = django_filters.BooleanFilter(label=_("The source states a number"))
    ordering = django_filters.OrderingFilter(
        fields=("id", "kind", "due_on", "quantity", "updated_at")
    )

    class Meta:
        model = Target
        fields = []


class OutcomeStatsFilterSet(OutcomeFilterSet):
    """The outcome filters, except that a record's id selects everything that counts for it."""

    institution_id = IdsFilter(
        method="filter_institution",
        label=_("Institution id"),
        help_text=_(
            "Counted by scope, like the dashboards: the institution's outcomes, its sub-units', "
            "and those of the projects and agreements they take part in. Repeat for several."
        ),
    )
    agreement_id = IdsFilter(
        method="filter_agreement",
        label=_("Agreement id"),
        help_text=_(
            "Counted by scope, like the dashboards: the agreement's outcomes, its phases', and "
            "those of its projects. Repeat for several."
        ),
    )
    project_id = IdsFilter(
        method="filter_project",
        label=_("Project id"),
        help_text=_(
            "Counted by scope, like the dashboards: the project's outcomes and its "
            "sub-projects'. Repeat for several."
        ),
    )
    enterprise_id = IdsFilter(
        method="filter_enterprise",
        label=_("Enterprise id"),
        help_text=_(
            "Counted by scope, like the dashboards: the enterprise's outcomes and those of the "
            "projects and agreements it takes part in. Repeat for several."
        ),
    )

    class Meta:
        model = Outcome
        fields = []

    def filter_institution(self, queryset, name, value):
        return self.scoped(queryset, Institution, institution_scope, value)

    def filter_agreement(self, queryset, name, value):
        return self.scoped(queryset, Agreement, agreement_scope, value)

    def filter_project(self, queryset, name, value):
        return self.scoped(queryset, Project, project_scope, value)

    def filter_enterprise(self, queryset, name, value):
        return self.scoped(queryset, Enterprise, enterprise_scope, value)
