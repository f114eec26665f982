"""Reads of enterprises for the public pages: lists with facets, detail pages, dashboard counts.

Published enterprises only (honesty rule 5, README). Enterprise parties of projects and
agreements live in this app, so the project and agreement pages read them from here.
"""

from django.db.models import Count, F, Prefetch, Q, QuerySet

from companies.models import AgreementEnterprise, Certification, Enterprise, ProjectEnterprise
from partnerships.choices import PublicationState
from partnerships.models import Agreement, Project
from partnerships.selectors import visible_institution_q

PUBLISHED = PublicationState.PUBLISHED

ENTERPRISE_FILTERS = ("q", "district", "sector", "certification")


def enterprise_search(filters: dict, *, without: str | None = None) -> QuerySet:
    """Published enterprises matching a list page's filters; `without` leaves one out."""
    queryset = Enterprise.objects.published()
    for name, value in filters.items():
        if name == without or value in (None, ""):
            continue
        if name == "q":
            queryset = queryset.filter(Q(name__icontains=value) | Q(name_en__icontains=value))
        elif name == "district":
            queryset = queryset.filter(district_id=value)
        elif name == "sector":
            queryset = queryset.filter(sector_id=value)
        elif name == "certification":
            # Any certification of the kind on record, current or past: the page says so, and
            # an enterprise's own page shows each certificate's validity.
            queryset = queryset.filter(
                id__in=Certification.objects.filter(kind=value).values("enterprise_id")
            )
        else:
            raise ValueError(f"unknown enterprise filter {name!r}")
    return queryset


def enterprise_facets(filters: dict) -> dict[str, list[dict]]:
    """Counts per value of each facet under every other active filter: one query per facet."""
    return {
        "district": list(
            enterprise_search(filters, without="district")
            .order_by()
            .values(
                value=F("district_id"), label=F("district__name"), label_en=F("district__name_en")
            )
            .annotate(count=Count("id"))
            .order_by("-count", "label")
        ),
        "sector": list(
            enterprise_search(filters, without="sector")
            .filter(sector__isnull=False)
            .order_by()
            .values(
                value=F("sector_id"),
                code=F("sector__code"),
                label=F("sector__name"),
                label_en=F("sector__name_en"),
            )
            .annotate(count=Count("id"))
            .order_by("-count", "code")
        ),
        "certification": list(
            Certification.objects.filter(
                enterprise__in=enterprise_search(filters, without="certification")
            )
            .order_by()
            .values(value=F("kind"))
            # An enterprise with two certificates of a kind is one enterprise.
            .annotate(count=Count("enterprise_id", distinct=True))
            .order_by("-count", "value")
        ),
    }


def enterprise_list_rows(queryset: QuerySet) -> QuerySet:
    # district, sector: their columns; certifications: the labels on each row.
    return (
        queryset.select_related("district", "sector")
        .prefetch_related(
            Prefetch("certifications", queryset=Certification.objects.order_by("kind", "id"))
        )
        .order_by("name", "id")
    )


def enterprise_for_page(pk: int) -> Enterprise:
    """A published enterprise with what its page prints; Enterprise.DoesNotExist otherwise."""
    # incubator (with its parent) and incubator_project: linked when published.
    return (
        Enterprise.objects.published()
        .select_related("district", "sector", "incubator__parent", "incubator_project", "source")
        .get(pk=pk)
    )


def enterprise_certifications(enterprise: Enterprise) -> QuerySet:
    return enterprise.certifications.select_related("source").order_by(
        "kind", F("issued_on").asc(nulls_last=True), "year", "id"
    )


def enterprise_project_roles(enterprise: Enterprise) -> QuerySet:
    """The enterprise's part in published projects."""
    return (
        ProjectEnterprise.objects.filter(enterprise=enterprise, project__state=PUBLISHED)
        .select_related("project")  # project: the row's link
        .order_by(F("project__starts_on").desc(nulls_last=True), "project__title", "id")
    )


def enterprise_agreement_roles(enterprise: Enterprise) -> QuerySet:
    return (
        AgreementEnterprise.objects.filter(enterprise=enterprise, agreement__state=PUBLISHED)
        .select_related("agreement")  # agreement: the row's link
        .order_by(F("agreement__signed_on").desc(nulls_last=True), "agreement__title", "id")
    )


def project_enterprises(project: Project) -> QuerySet:
    """Published enterprises taking part in a project, with their roles."""
    return (
        ProjectEnterprise.objects.filter(project=project, enterprise__state=PUBLISHED)
        .select_related("enterprise")  # enterprise: the row's name and link
        .order_by("id")
    )


def agreement_enterprises(agreement: Agreement) -> QuerySet:
    return (
        AgreementEnterprise.objects.filter(agreement=agreement, enterprise__state=PUBLISHED)
        .select_related("enterprise")  # enterprise: the row's name and link
        .order_by("id")
    )


def incubated_enterprises(institution_ids: list[int]) -> QuerySet:
    """Published enterprises that came out of these institutions' incubators."""
    return (
        Enterprise.objects.published()
        .filter(incubator_id__in=institution_ids)
        .filter(visible_institution_q("incubator"))
        .order_by("name", "id")
    )


def enterprises_by_district() -> list[dict]:
    """Published enterprises per district (one query); their sum is the dashboard's count."""
    return list(
        Enterprise.objects.published()
        .order_by()
        .values(
            "district_id",
            district_name=F("district__name"),
            district_name_en=F("district__name_en"),
        )
        .annotate(count=Count("id"))
    )
