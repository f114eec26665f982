"""The public dashboard and the page behind each of its figures.

Every outcome figure here comes from `outcome_totals`, `intellectual_property_total` and
`target_progress` (outcomes.selectors); the views only pick which totals to show and label them.
Counts of records (agreements, projects, enterprises) come from the apps' selectors and count
published records only.
"""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from companies.selectors import enterprises_by_district
from outcomes.choices import OutcomeKind, Unit
from outcomes.models import Outcome
from outcomes.selectors import (
    INTELLECTUAL_PROPERTY,
    Total,
    cached_aggregate,
    dashboard_targets,
    figure_breakdown,
    intellectual_property_total,
    outcome_rows_for_page,
    outcome_totals,
    target_progress,
)
from partnerships.choices import Field
from partnerships.selectors import (
    agreements_by_district_year,
    projects_by_district_year_field,
    projects_by_institution,
    registry_counts,
)
from partnerships.templatetags.registry import category_label
from partnerships.views import is_english

# target_progress costs one to three queries per target: the dashboard shows this many.
DASHBOARD_TARGETS = 12
FIGURE_PAGE_SIZE = 50
TOP_INSTITUTIONS = 10

# The outcome figures the dashboard leads with: (slug for data-figure, label, kind, unit).
# Trainees come twice because person-times and people are different units (rule 2).
KEY_OUTCOME_FIGURES = (
    (
        "intellectual-property",
        _("Intellectual property (patents and software copyrights)"),
        INTELLECTUAL_PROPERTY,
        Unit.ITEM,
    ),
    ("patents", _("Patents"), OutcomeKind.PATENT, Unit.ITEM),
    ("software-copyrights", _("Software copyrights"), OutcomeKind.SOFTWARE_COPYRIGHT, Unit.ITEM),
    ("standards", _("Standards"), OutcomeKind.STANDARD, Unit.ITEM),
    ("economic-benefit", _("Economic benefit"), OutcomeKind.ECONOMIC_BENEFIT, Unit.YUAN),
    ("revenue", _("Revenue"), OutcomeKind.REVENUE, Unit.YUAN),
    ("trainee-times", _("Training (person-times)"), OutcomeKind.TRAINEES, Unit.PERSON_TIME),
    ("trainees", _("Trainees (people)"), OutcomeKind.TRAINEES, Unit.PERSON),
    ("talents", _("Talents introduced"), OutcomeKind.TALENTS, Unit.PERSON),
    (
        "enterprises-cultivated",
        _("Enterprises cultivated"),
        OutcomeKind.ENTERPRISES_CULTIVATED,
        Unit.ENTERPRISE,
    ),
)
# Key figures broken down by category (patent type and status, enterprise category).
BROKEN_DOWN_KINDS = (OutcomeKind.PATENT, OutcomeKind.ENTERPRISES_CULTIVATED)


def figure_url(kind: str, unit: str, category: str | None = None) -> str:
    url = reverse("outcomes:figure", kwargs={"kind": kind, "unit": unit})
    return f"{url}?{urlencode({'category': category})}" if category is not None else url


@dataclass
class KeyFigure:
    """One figure of the dashboard: a count of records or an honest total, and its link."""

    slug: str
    label: str
    url: str
    count: int | None = None
    total: Total | None = None
    note: str = ""
    parts: list = field(default_factory=list)

    @property
    def method_applies(self) -> bool:
        """Rule 1 or 4 changed what the total adds up: the page says how (Total.method)."""
        return bool(self.total and (self.total.covered_item_ids or self.total.superseded_ids))


@dataclass
class ChartRow:
    label: str
    values: list[int]
    url: str = ""


@dataclass
class Chart:
    """A chart's data, drawn by ECharts (static/js/charts.js) and printed as a table beside it."""

    slug: str
    caption: str
    category_heading: str
    series: list[str]
    rows: list[ChartRow]
    horizontal: bool = False

    @property
    def element_id(self) -> str:
        return f"chart-{self.slug}-data"

    @property
    def data(self) -> dict:
        return {
            "categories": [row.label for row in self.rows],
            "series": [
                {"name": str(name), "data": [row.values[i] for row in self.rows]}
                for i, name in enumerate(self.series)
            ],
            "horizontal": self.horizontal,
        }


def _district_name(row: dict) -> str:
    return (row["district_name_en"] if is_english() else "") or row["district_name"]


def _by_year(agreement_rows: list[dict], project_rows: list[dict]) -> Chart:
    years: dict = {}
    for index, rows in enumerate((agreement_rows, project_rows)):
        for row in rows:
            years.setdefault(row["year"], [0, 0])[index] += row["count"]
    # Undated records are counted too, in a last row: the columns add up to the key figures.
    ordered = sorted(years, key=lambda year: (year is None, year or 0))
    return Chart(
        slug="by-year",
        caption=_("Agreements signed and projects started, by year"),
        category_heading=_("Year"),
        series=[_("Agreements signed"), _("Projects started")],
        rows=[
            ChartRow(
                label=str(year) if year is not None else str(_("Year not stated")),
                values=years[year],
                url=(reverse("partnerships:project_list") + f"?year={year}") if year else "",
            )
            for year in ordered
        ],
    )


def _by_field(project_rows: list[dict]) -> Chart:
    counts: dict = {}
    for row in project_rows:
        counts[row["field"]] = counts.get(row["field"], 0) + row["count"]
    return Chart(
        slug="by-field",
        caption=_("Projects by field"),
        category_heading=_("Field"),
        series=[_("Projects")],
        rows=[
            ChartRow(
                label=str(choice.label),
                values=[counts[choice.value]],
                url=reverse("partnerships:project_list") + f"?field={choice.value}",
            )
            for choice in Field
            if counts.get(choice.value)
        ],
        horizontal=True,
    )


def _by_institution(rows: list[dict]) -> Chart:
    return Chart(
        slug="by-institution",
        caption=_("Institutions with the most projects (top 10)"),
        category_heading=_("Institution"),
        series=[_("Projects")],
        rows=[
            ChartRow(
                label=(row["label_en"] if is_english() else "") or row["label"],
                values=[row["count"]],
                url=reverse("partnerships:institution_detail", kwargs={"pk": row["value"]}),
            )
            for row in rows
        ],
        horizontal=True,
    )


def _by_district(agreement_rows, project_rows, enterprise_rows) -> Chart:
    districts: dict = {}
    for index, rows in enumerate((agreement_rows, project_rows, enterprise_rows)):
        for row in rows:
            # Named once per district, not per row: at province scale there are ~15,000 rows
            # (district × year × field) and the name looks up the active language.
            entry = districts.get(row["district_id"])
            if entry is None:
                entry = districts[row["district_id"]] = [_district_name(row), [0, 0, 0]]
            entry[1][index] += row["count"]
    return Chart(
        slug="by-district",
        caption=_("Agreements, projects and enterprises by district"),
        category_heading=pgettext_lazy("administrative area", "District"),
        series=[_("Agreements"), _("Projects"), _("Enterprises")],
        rows=[
            ChartRow(
                label=name,
                values=values,
                url=reverse("partnerships:project_list") + f"?district={district_id}",
            )
            for district_id, (name, values) in sorted(districts.items(), key=lambda i: i[1][0])
        ],
    )


def _dashboard_data() -> dict:
    """Everything the dashboard counts, independent of the language it is shown in."""
    public = Outcome.objects.public()
    totals = outcome_totals(public)
    return {
        "counts": registry_counts(),
        "project_rows": projects_by_district_year_field(),
        "agreement_rows": agreements_by_district_year(),
        "enterprise_rows": enterprises_by_district(),
        "institution_rows": projects_by_institution(TOP_INSTITUTIONS),
        "totals": totals,
        "intellectual_property": intellectual_property_total(totals),
        "broken_down": outcome_totals(public.filter(kind__in=BROKEN_DOWN_KINDS), by=["category"]),
        "targets": target_progress(dashboard_targets(DASHBOARD_TARGETS)),
    }


def dashboard(request: HttpRequest) -> HttpResponse:
    data = cached_aggregate("dashboard", _dashboard_data)
    counts = data["counts"]
    project_rows = data["project_rows"]
    agreement_rows = data["agreement_rows"]
    enterprise_rows = data["enterprise_rows"]
    totals = data["totals"]
    by_kind = {(t.kind, t.unit): t for t in totals}
    by_kind[(INTELLECTUAL_PROPERTY, Unit.ITEM)] = data["intellectual_property"]
    parts: dict = {}
    for total in data["broken_down"]:
        parts.setdefault((total.kind, total.unit), []).append(
            (
                category_label(total.group["category"], total.kind) or _("Category not stated"),
                total,
                figure_url(total.kind, total.unit, total.group["category"]),
            )
        )

    phases, sub_projects = counts["agreement_phases"], counts["sub_projects"]
    key_figures = [
        KeyFigure(
            slug="agreements",
            label=_("Agreements"),
            url=reverse("partnerships:agreement_list"),
            count=counts["agreements"],
            note=_("of which %(n)s are phases of another agreement") % {"n": phases}
            if phases
            else "",
        ),
        KeyFigure(
            slug="projects",
            label=_("Projects"),
            url=reverse("partnerships:project_list"),
            count=counts["projects"],
            note=_("of which %(n)s are sub-projects of another project") % {"n": sub_projects}
            if sub_projects
            else "",
        ),
        KeyFigure(
            slug="partner-institutions",
            label=_("Partner institutions"),
            url=reverse("partnerships:institution_list"),
            count=counts["partner_institutions"],
            note=_("universities and other institutions taking part, sub-units not counted apart"),
        ),
        KeyFigure(
            slug="enterprises",
            label=_("Enterprises"),
            url=reverse("companies:enterprise_list"),
            count=sum(row["count"] for row in enterprise_rows),
        ),
    ]
    for slug, label, kind, unit in KEY_OUTCOME_FIGURES:
        key_figures.append(
            KeyFigure(
                slug=slug,
                label=label,
                url=figure_url(kind, unit),
                total=by_kind.get((kind, unit)),
                parts=parts.get((kind, unit), []),
            )
        )

    charts = [
        _by_year(agreement_rows, project_rows),
        _by_field(project_rows),
        _by_institution(data["institution_rows"]),
        _by_district(agreement_rows, project_rows, enterprise_rows),
    ]
    context = {
        "nav": "dashboard",
        "key_figures": key_figures,
        "all_totals": [(total, figure_url(total.kind, total.unit)) for total in totals],
        "charts": charts,
        "targets": data["targets"],
        "targets_limit": DASHBOARD_TARGETS,
    }
    return render(request, "outcomes/dashboard.html", context)


# How each outcome on a figure's page counts, in the order the page lists them.
ROW_STATUSES = {
    "counted": _("Counted in the total"),
    "covered": _("Not added: covered by a reported figure of the same scope"),
    "superseded": _("Not added: a later cumulative figure of the same series stands"),
}


def figure_detail(request: HttpRequest, kind: str, unit: str) -> HttpResponse:
    """What one dashboard figure is made of: every outcome, how it counts, and its source."""
    if kind not in (*OutcomeKind.values, INTELLECTUAL_PROPERTY) or unit not in Unit.values:
        raise Http404
    category = request.GET.get("category")
    breakdown = figure_breakdown(kind, unit, category)
    page = Paginator(breakdown.all_ids, FIGURE_PAGE_SIZE).get_page(request.GET.get("page"))
    outcomes = outcome_rows_for_page(Outcome.objects.public().filter(id__in=list(page)))
    rows = []
    for outcome in outcomes:
        if outcome.pk in breakdown.counted_ids:
            status = "counted"
        elif outcome.pk in breakdown.covered_ids:
            status = "covered"
        else:
            status = "superseded"
        rows.append({"outcome": outcome, "status": status, "status_label": ROW_STATUSES[status]})
    context = {
        "nav": "dashboard",
        "kind": kind,
        "unit": unit,
        "category": category,
        "category_label": category_label(category or "", kind),
        "total": breakdown.total,
        "method_applies": bool(
            breakdown.total and (breakdown.covered_ids or breakdown.superseded_ids)
        ),
        "rows": rows,
        "page": page,
    }
    return render(request, "outcomes/figure_detail.html", context)
