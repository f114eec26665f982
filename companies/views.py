"""Public pages of enterprises: the list with facets, a page per enterprise, its figures CSV."""

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from companies import selectors
from companies.choices import CertificationKind
from outcomes.selectors import (
    enterprise_scope,
    outcome_rows_for_page,
    outcomes_in_scope,
    targets_in_scope,
)
from partnerships.views import (
    capped,
    choice_label,
    clean_choice,
    clean_filters,
    clean_id,
    clean_text,
    figures_context,
    figures_csv,
    is_english,
    list_context,
    name_label,
    published_or_404,
)

ENTERPRISE_FILTERS = {
    "q": clean_text,
    "district": clean_id,
    "sector": clean_id,
    "certification": clean_choice(CertificationKind),
}


def sector_label(row: dict) -> str:
    name = (row["label_en"] if is_english() else "") or row["label"]
    return f"{row['code']} {name}"


ENTERPRISE_FACETS = [
    ("district", pgettext_lazy("administrative area", "District"), name_label),
    ("sector", _("Sector (GB/T 4754)"), sector_label),
    ("certification", _("Certification (current or past)"), choice_label(CertificationKind)),
]


def enterprise_list(request: HttpRequest) -> HttpResponse:
    filters = clean_filters(request.GET, ENTERPRISE_FILTERS)
    rows = selectors.enterprise_list_rows(selectors.enterprise_search(filters))
    context = list_context(
        request, filters, selectors.enterprise_facets(filters), ENTERPRISE_FACETS, rows
    )
    return render(request, "companies/enterprise_list.html", {"nav": "enterprises", **context})


def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = published_or_404(selectors.enterprise_for_page, pk)
    scope = enterprise_scope(enterprise)
    incubator = enterprise.incubator
    visible_incubator = incubator is not None and incubator.is_published
    if visible_incubator and incubator.parent_id is not None:
        visible_incubator = incubator.parent.is_published
    project = enterprise.incubator_project
    context = {
        "nav": "enterprises",
        "enterprise": enterprise,
        "today": datetime.date.today(),
        "incubator": incubator if visible_incubator else None,
        "incubator_project": project if project is not None and project.is_published else None,
        "certifications": capped(selectors.enterprise_certifications(enterprise)),
        "project_roles": capped(selectors.enterprise_project_roles(enterprise)),
        "agreement_roles": capped(selectors.enterprise_agreement_roles(enterprise)),
        **figures_context(
            outcomes_in_scope(scope),
            targets_in_scope(scope),
            scope_key=f"enterprise:{enterprise.pk}",
        ),
    }
    return render(request, "companies/enterprise_detail.html", context)


def enterprise_figures_csv(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = published_or_404(selectors.enterprise_for_page, pk)
    outcomes = outcome_rows_for_page(outcomes_in_scope(enterprise_scope(enterprise)))
    return figures_csv(outcomes, filename=f"enterprise-{enterprise.pk}-figures.csv")
