"""Public pages of projects, agreements and institutions, and the helpers every list and detail
page shares (filters from the query string, facets, paging, the figures CSV).

Views only read, through the selectors; every figure comes from `outcomes.selectors`. Unpublished
records do not exist here: their pages and CSV files answer 404.
"""

import csv
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from companies import selectors as company_selectors
from outcomes.choices import Basis
from outcomes.models import Outcome
from outcomes.selectors import (
    agreement_scope,
    cached_aggregate,
    institution_scope,
    outcome_rows_for_page,
    outcomes_in_scope,
    page_figures,
    project_scope,
    target_progress,
    target_rows_for_page,
    targets_in_scope,
)
from partnerships import selectors
from partnerships.choices import (
    AgreementKind,
    AgreementStatus,
    Field,
    InstitutionKind,
    ProjectKind,
    ProjectStatus,
)
from partnerships.templatetags.registry import format_quantity

PAGE_SIZE = 20
SEARCH_MAX_LENGTH = 100
# A detail page lists at most this many related rows per section (a university of a province
# takes part in thousands of projects); the rest are one link away, on the filtered list page
# or in the figures CSV.
DETAIL_LIST_LIMIT = 50
# Outcomes printed in full on a detail page; every outcome is in the totals and the CSV.
DETAIL_OUTCOME_LIMIT = 50

# -- filters from the query string --------------------------------------------------------------
# Each list page declares its filters as name -> cleaner. A value that does not clean is ignored
# (a stale or hand-edited link still shows a page, without that filter), never an error.


def clean_text(value: str) -> str | None:
    return value.strip()[:SEARCH_MAX_LENGTH] or None


def clean_id(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < 2**63 else None


def clean_year(value: str) -> int | None:
    return int(value) if value.isdigit() and 1900 <= int(value) <= 2100 else None


def clean_choice(choices):
    return lambda value: value if value in choices.values else None


def clean_filters(params: QueryDict, cleaners: dict) -> dict:
    filters = {}
    for name, cleaner in cleaners.items():
        value = cleaner(params.get(name, ""))
        if value is not None:
            filters[name] = value
    return filters


# -- facets -------------------------------------------------------------------------------------


@dataclass
class FacetOption:
    label: str
    count: int
    url: str
    selected: bool


@dataclass
class Facet:
    name: str
    label: str
    options: list[FacetOption] = field(default_factory=list)


def url_with(params: QueryDict, name: str, value=None) -> str:
    """This page's query string with `name` set to `value` (or removed), back to page 1."""
    query = params.copy()
    query.pop("page", None)
    if value is None:
        query.pop(name, None)
    else:
        query[name] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def is_english() -> bool:
    return not (get_language() or "").startswith("zh")


def choice_label(choices):
    return lambda row: str(choices(row["value"]).label)


def name_label(row: dict) -> str:
    """A district's or institution's name in the active language."""
    return (row["label_en"] if is_english() else "") or row["label"]


def year_label(row: dict) -> str:
    return str(row["value"])


def build_facets(params: QueryDict, filters: dict, counts: dict, specs: list[tuple]) -> list:
    """Facets for the template: (name, heading, labeller) per facet, options with their links.

    A selected option links to the list without it, so each facet works as a toggle.
    """
    facets = []
    for name, heading, labeller in specs:
        facet = Facet(name=name, label=heading)
        for row in counts[name]:
            selected = filters.get(name) == row["value"]
            facet.options.append(
                FacetOption(
                    label=labeller(row),
                    count=row["count"],
                    url=url_with(params, name, None if selected else row["value"]),
                    selected=selected,
                )
            )
        facets.append(facet)
    return facets


def active_filters(params: QueryDict, filters: dict, facets: list[Facet]) -> list[dict]:
    """The filters in force, each with a link that removes it (search included)."""
    labels = {
        facet.name: next((o.label for o in facet.options if o.selected), None) for facet in facets
    }
    active = []
    for name, value in filters.items():
        if name == "level":
            continue
        heading = next((f.label for f in facets if f.name == name), _("Search"))
        active.append(
            {
                "heading": heading,
                "label": labels.get(name) or str(value),
                "remove_url": url_with(params, name),
            }
        )
    return active


def paginate(request: HttpRequest, rows) -> Page:
    """A page of `rows`; a page number out of range shows the last page, not an error."""
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def list_context(request, filters, counts, specs, rows) -> dict:
    facets = build_facets(request.GET, filters, counts, specs)
    return {
        "page": paginate(request, rows),
        "facets": facets,
        "filters": filters,
        "active_filters": active_filters(request.GET, filters, facets),
        # Hidden fields keep the other filters when the search box is submitted.
        "kept_filters": [(k, v) for k, v in filters.items() if k != "q"],
    }


# -- detail pages ----------------------------------------------------------------------------------


def published_or_404(reader, pk: int):
    """The record the selector reads, or 404: drafts, submitted and withdrawn records included."""
    try:
        return reader(pk)
    except ObjectDoesNotExist:
        raise Http404 from None


@dataclass
class Capped:
    """The first rows of a related list, and how many there are in all (`total` is counted
    only when the list is cut, so a short list costs one query)."""

    rows: list
    total: int

    @property
    def is_cut(self) -> bool:
        return self.total > len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def capped(queryset, limit: int | None = None) -> Capped:
    limit = limit or DETAIL_LIST_LIMIT
    rows = list(queryset[:limit])
    return Capped(rows, queryset.count() if len(rows) == limit else len(rows))


def figures_context(outcomes, targets, *, scope_key: str) -> dict:
    """A detail page's figures: its outcomes with sources, honest totals, targets vs achieved.

    The totals read every outcome of the scope (thousands for a university of a province), so
    they are cached per data version like the dashboard's (`cached_aggregate`): exact after
    any write. `scope_key` names the record, e.g. "institution:7".
    """

    def compute() -> dict:
        totals, intellectual_property, parts = page_figures(outcomes)
        return {
            "totals": totals,
            "intellectual_property": intellectual_property,
            "intellectual_property_parts": parts,
            "targets": target_progress(target_rows_for_page(targets)),
        }

    figures = cached_aggregate(f"figures:{scope_key}", compute)
    shown = list(outcome_rows_for_page(outcomes)[:DETAIL_OUTCOME_LIMIT])
    # Every outcome of the scope is in exactly one total: counted, covered or superseded.
    total = sum(
        len(t.outcome_ids) + len(t.covered_item_ids) + len(t.superseded_ids)
        for t in figures["totals"]
    )
    return {**figures, "outcomes": Capped(shown, total)}


# -- the figures CSV ----------------------------------------------------------------------------

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def outcome_date_text(outcome: Outcome) -> str:
    """When a figure stands: its as-of date, or its period ("2018年" or "2018年–2019年")."""
    if outcome.basis == Basis.CUMULATIVE:
        return str(outcome.as_of_date)
    start, end = (str(part) for part in outcome.period)
    if start and end and start != end:
        return f"{start}–{end}"
    return start or end


def csv_columns() -> list:
    """Headings, in the page's language; the first nine are the columns every export shares."""
    meta = Outcome._meta
    return [
        meta.get_field("kind").verbose_name,
        meta.get_field("quantity").verbose_name,
        meta.get_field("unit").verbose_name,
        meta.get_field("qualifier").verbose_name,
        meta.get_field("reported_text").verbose_name,
        meta.get_field("basis").verbose_name,
        _("date"),
        _("source title"),
        meta.get_field("source_passage").verbose_name,
        meta.get_field("description").verbose_name,
        _("outcome id"),
    ]


def figures_csv(outcomes, *, filename: str) -> HttpResponse:
    """The figures of a page as CSV: UTF-8 with a byte-order mark, so Excel reads the Chinese."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([csv_cell(heading) for heading in csv_columns()])
    for outcome in outcomes:
        writer.writerow(
            csv_cell(value)
            for value in (
                outcome.get_kind_display(),
                format_quantity(outcome.quantity),
                outcome.get_unit_display(),
                outcome.get_qualifier_display(),
                outcome.reported_text,
                outcome.get_basis_display(),
                outcome_date_text(outcome),
                outcome.source.title,
                outcome.source_passage,
                outcome.title or outcome.description,
                outcome.pk,
            )
        )
    return response


# -- projects -----------------------------------------------------------------------------------

PROJECT_FILTERS = {
    "q": clean_text,
    "field": clean_choice(Field),
    "kind": clean_choice(ProjectKind),
    "institution": clean_id,
    "district": clean_id,
    "year": clean_year,
    "status": clean_choice(ProjectStatus),
}
PROJECT_FACETS = [
    ("field", _("Field"), choice_label(Field)),
    ("kind", _("Kind of project"), choice_label(ProjectKind)),
    ("institution", _("Institution"), name_label),
    ("district", pgettext_lazy("administrative area", "District"), name_label),
    ("year", _("Year started"), year_label),
    ("status", _("Status"), choice_label(ProjectStatus)),
]


def project_list(request: HttpRequest) -> HttpResponse:
    filters = clean_filters(request.GET, PROJECT_FILTERS)
    rows = selectors.project_list_rows(selectors.project_search(filters))
    context = list_context(
        request, filters, selectors.project_facets(filters), PROJECT_FACETS, rows
    )
    return render(request, "partnerships/project_list.html", {"nav": "projects", **context})


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = published_or_404(selectors.project_for_page, pk)
    # The scope is computed once (it looks up sub-projects) and shared by outcomes and targets.
    scope = project_scope(project)
    context = {
        "nav": "projects",
        "project": project,
        "agreement": project.agreement if _is_public(project.agreement) else None,
        "parent": project.part_of if _is_public(project.part_of) else None,
        "participants": capped(selectors.project_participants(project)),
        "enterprises": capped(company_selectors.project_enterprises(project)),
        "sub_projects": capped(selectors.sub_projects(project)),
        **figures_context(
            outcomes_in_scope(scope), targets_in_scope(scope), scope_key=f"project:{project.pk}"
        ),
    }
    return render(request, "partnerships/project_detail.html", context)


def project_figures_csv(request: HttpRequest, pk: int) -> HttpResponse:
    project = published_or_404(selectors.project_for_page, pk)
    outcomes = outcome_rows_for_page(outcomes_in_scope(project_scope(project)))
    return figures_csv(outcomes, filename=f"project-{project.pk}-figures.csv")


def _is_public(record) -> bool:
    return record is not None and record.is_published


# -- agreements ---------------------------------------------------------------------------------

AGREEMENT_FILTERS = {
    "q": clean_text,
    "kind": clean_choice(AgreementKind),
    "status": clean_choice(AgreementStatus),
    "district": clean_id,
    "year": clean_year,
    "institution": clean_id,
}
AGREEMENT_FACETS = [
    ("kind", _("Kind of agreement"), choice_label(AgreementKind)),
    ("status", _("Status"), choice_label(AgreementStatus)),
    ("district", pgettext_lazy("administrative area", "District"), name_label),
    ("year", _("Year signed"), year_label),
    ("institution", _("Institution"), name_label),
]


def agreement_list(request: HttpRequest) -> HttpResponse:
    filters = clean_filters(request.GET, AGREEMENT_FILTERS)
    rows = selectors.agreement_list_rows(selectors.agreement_search(filters))
    context = list_context(
        request, filters, selectors.agreement_facets(filters), AGREEMENT_FACETS, rows
    )
    return render(request, "partnerships/agreement_list.html", {"nav": "agreements", **context})


def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = published_or_404(selectors.agreement_for_page, pk)
    scope = agreement_scope(agreement)
    context = {
        "nav": "agreements",
        "agreement": agreement,
        "framework": agreement.part_of if _is_public(agreement.part_of) else None,
        "parties": capped(selectors.agreement_parties(agreement)),
        "enterprises": capped(company_selectors.agreement_enterprises(agreement)),
        "phases": capped(selectors.agreement_phases(agreement)),
        "projects": capped(selectors.agreement_projects(agreement)),
        **figures_context(
            outcomes_in_scope(scope),
            targets_in_scope(scope),
            scope_key=f"agreement:{agreement.pk}",
        ),
    }
    return render(request, "partnerships/agreement_detail.html", context)


def agreement_figures_csv(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = published_or_404(selectors.agreement_for_page, pk)
    outcomes = outcome_rows_for_page(outcomes_in_scope(agreement_scope(agreement)))
    return figures_csv(outcomes, filename=f"agreement-{agreement.pk}-figures.csv")


# -- institutions -------------------------------------------------------------------------------

INSTITUTION_FILTERS = {
    "q": clean_text,
    "level": lambda value: value if value == selectors.LEVEL_ALL else None,
    "kind": clean_choice(InstitutionKind),
    "district": clean_id,
}
INSTITUTION_FACETS = [
    ("kind", _("Kind of institution"), choice_label(InstitutionKind)),
    ("district", _("Maintaining district"), name_label),
]


def institution_list(request: HttpRequest) -> HttpResponse:
    filters = clean_filters(request.GET, INSTITUTION_FILTERS)
    rows = selectors.institution_list_rows(selectors.institution_search(filters))
    context = list_context(
        request, filters, selectors.institution_facets(filters), INSTITUTION_FACETS, rows
    )
    context["level_toggle_url"] = url_with(
        request.GET, "level", None if filters.get("level") else selectors.LEVEL_ALL
    )
    return render(request, "partnerships/institution_list.html", {"nav": "institutions", **context})


def _grouped_by(rows, attribute: str) -> Capped:
    """(record, [rows]) in first-seen order: one line per project or agreement, however many
    of the institution's sub-units take part in it; at most `limit` rows are read.

    When the rows are cut, the last record may have lost some of its rows: it is left out, and
    the total counts the distinct records.
    """
    limit = DETAIL_LIST_LIMIT
    read = list(rows[:limit])
    groups: dict = {}
    for row in read:
        key = getattr(row, f"{attribute}_id")
        if key not in groups:
            groups[key] = (getattr(row, attribute), [])
        groups[key][1].append(row)
    if len(read) < limit:
        return Capped(list(groups.values()), len(groups))
    groups.pop(getattr(read[-1], f"{attribute}_id"))
    total = rows.order_by().values(f"{attribute}_id").distinct().count()
    return Capped(list(groups.values()), total)


def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = published_or_404(selectors.institution_for_page, pk)
    ids = selectors.family_ids(institution)
    scope = institution_scope(institution)
    context = {
        "nav": "institutions",
        "institution": institution,
        "sub_units": capped(selectors.institution_sub_units(institution)),
        "projects": _grouped_by(selectors.institution_participations(ids), "project"),
        "agreements": _grouped_by(selectors.institution_agreement_parties(ids), "agreement"),
        "incubated": capped(company_selectors.incubated_enterprises(ids)),
        **figures_context(
            outcomes_in_scope(scope),
            targets_in_scope(scope),
            scope_key=f"institution:{institution.pk}",
        ),
    }
    return render(request, "partnerships/institution_detail.html", context)


def institution_figures_csv(request: HttpRequest, pk: int) -> HttpResponse:
    institution = published_or_404(selectors.institution_for_page, pk)
    outcomes = outcome_rows_for_page(outcomes_in_scope(institution_scope(institution)))
    return figures_csv(outcomes, filename=f"institution-{institution.pk}-figures.csv")
