"""Reads shared by every interface: who may change which district's records, and what the
public pages list, count and show."""

from django.contrib.auth.models import Group
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce, ExtractYear

from partnerships.choices import PublicationState, StaffRole
from partnerships.models import (
    Agreement,
    AgreementParty,
    District,
    DistrictRole,
    Institution,
    Project,
    ProjectParticipant,
)


def writable_district_ids(user) -> set[int] | None:
    """Districts whose records the user may create and change; None means every district."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    return set(
        DistrictRole.objects.filter(user=user, role__in=StaffRole.writers).values_list(
            "district_id", flat=True
        )
    )


def districts_for(user) -> QuerySet:
    district_ids = writable_district_ids(user)
    if district_ids is None:
        return District.objects.all()
    return District.objects.filter(id__in=district_ids)


# ---------------------------------------------------------------------------------------------
# Public pages: lists with facets, detail pages, dashboard counts. Published records only
# (DESIGN.md rule 5): every queryset below starts from `.published()`, and an institution's
# name is shown only when it and its parent are published.
# ---------------------------------------------------------------------------------------------

PUBLISHED = PublicationState.PUBLISHED
# Institutions nest university → college → laboratory. The facet and partner counts fold
# sub-units into their top-level institution in SQL with one join per level, so they reach three
# levels; a deeper unit counts for its grandparent.
INSTITUTION_LEVELS = 3
# A facet of names (institutions) lists the most frequent values only.
NAME_FACET_LIMIT = 30


def visible_institution_q(path: str = "institution") -> Q:
    """The institution at `path` may be named in public: it and its parent are published."""
    return Q(**{f"{path}__state": PUBLISHED}) & (
        Q(**{f"{path}__parent__isnull": True}) | Q(**{f"{path}__parent__state": PUBLISHED})
    )


def public_party_q(path: str = "institution") -> Q:
    """A party or participant row that may be shown: a district, or a visible institution."""
    return Q(**{f"{path}__isnull": True}) | visible_institution_q(path)


def _top(path: str, field: str):
    """`field` of the top-level institution above the institution at `path` (itself if top)."""
    return Coalesce(
        F(f"{path}__parent__parent__{field}"),
        F(f"{path}__parent__{field}"),
        F(f"{path}__{field}"),
    )


def institution_family_q(path: str, institution_id: int) -> Q:
    """The institution at `path` is `institution_id` or one of its sub-units (three levels)."""
    return (
        Q(**{f"{path}_id": institution_id})
        | Q(**{f"{path}__parent_id": institution_id})
        | Q(**{f"{path}__parent__parent_id": institution_id})
    )


def family_ids(institution: Institution) -> list[int]:
    """The institution and all its sub-units, at any depth (one query per level)."""
    ids, frontier = [institution.pk], [institution.pk]
    while frontier:
        frontier = list(
            Institution.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids += frontier
    return ids


def _choice_facet(queryset: QuerySet, field: str) -> list[dict]:
    return list(
        queryset.order_by()
        .values(value=F(field))
        .annotate(count=Count("id"))
        .order_by("-count", "value")
    )


def _district_facet(queryset: QuerySet) -> list[dict]:
    return list(
        queryset.order_by()
        .values(value=F("district_id"), label=F("district__name"), label_en=F("district__name_en"))
        .annotate(count=Count("id"))
        .order_by("-count", "label")
    )


def _year_facet(queryset: QuerySet, field: str) -> list[dict]:
    return list(
        queryset.exclude(**{f"{field}__isnull": True})
        .order_by()
        .values(value=ExtractYear(field))
        .annotate(count=Count("id"))
        .order_by("-value")
    )


def _institution_facet(party_rows: QuerySet, record_field: str) -> list[dict]:
    """Records per top-level institution, from participant or party rows (one query).

    A record with two sub-units of one university counts once for it (distinct), and an
    institution that is not public is never named.
    """
    return list(
        party_rows.filter(institution__isnull=False)
        .alias(top_state=_top("institution", "state"))
        .filter(top_state=PUBLISHED)
        .order_by()
        .values(
            value=_top("institution", "id"),
            label=_top("institution", "name"),
            label_en=_top("institution", "name_en"),
        )
        .annotate(count=Count(record_field, distinct=True))
        .order_by("-count", "label")[:NAME_FACET_LIMIT]
    )


# -- projects -----------------------------------------------------------------------------------

PROJECT_FILTERS = ("q", "field", "kind", "institution", "district", "year", "status")


def project_search(filters: dict, *, without: str | None = None) -> QuerySet:
    """Published projects matching a list page's filters; `without` leaves one out (its facet).

    `filters` holds cleaned values (see the view); an empty value is no filter.
    """
    queryset = Project.objects.published()
    for name, value in filters.items():
        if name == without or value in (None, ""):
            continue
        if name == "q":
            queryset = queryset.filter(Q(title__icontains=value) | Q(title_en__icontains=value))
        elif name in ("field", "kind", "status"):
            queryset = queryset.filter(**{name: value})
        elif name == "district":
            queryset = queryset.filter(district_id=value)
        elif name == "year":
            queryset = queryset.filter(starts_on__year=value)
        elif name == "institution":
            # A subquery, not a join: a project with two matching participants stays one row.
            queryset = queryset.filter(
                id__in=ProjectParticipant.objects.filter(
                    institution_family_q("institution", value)
                ).values("project_id")
            )
        else:
            raise ValueError(f"unknown project filter {name!r}")
    return queryset


def project_facets(filters: dict) -> dict[str, list[dict]]:
    """Counts per value of each facet, under every other active filter: one query per facet."""
    return {
        "field": _choice_facet(project_search(filters, without="field"), "field"),
        "kind": _choice_facet(project_search(filters, without="kind"), "kind"),
        "institution": _institution_facet(
            ProjectParticipant.objects.filter(
                project__in=project_search(filters, without="institution")
            ),
            "project_id",
        ),
        "district": _district_facet(project_search(filters, without="district")),
        "year": _year_facet(project_search(filters, without="year"), "starts_on"),
        "status": _choice_facet(project_search(filters, without="status"), "status"),
    }


def public_participants() -> QuerySet:
    # institution__parent: a sub-unit is named with its university.
    return (
        ProjectParticipant.objects.filter(public_party_q())
        .select_related("district", "institution__parent")
        .order_by("id")
    )


def project_list_rows(queryset: QuerySet) -> QuerySet:
    """A list page's projects, newest first (undated last on every database), with partners."""
    return (
        queryset.select_related("district")  # district: the district column
        .prefetch_related(Prefetch("participants", queryset=public_participants()))
        .order_by(F("starts_on").desc(nulls_last=True), "title", "id")
    )


def project_for_page(pk: int) -> Project:
    """A published project with what its page prints; Project.DoesNotExist otherwise."""
    # agreement, part_of: linked when published; source: the cited document.
    return (
        Project.objects.published()
        .select_related("district", "agreement", "part_of", "source")
        .get(pk=pk)
    )


def project_participants(project: Project) -> QuerySet:
    return public_participants().filter(project=project)


def sub_projects(project: Project) -> QuerySet:
    return project.sub_projects.published().order_by(
        F("starts_on").asc(nulls_last=True), "title", "id"
    )


# -- agreements ---------------------------------------------------------------------------------

AGREEMENT_FILTERS = ("q", "kind", "status", "district", "year", "institution")


def agreement_search(filters: dict, *, without: str | None = None) -> QuerySet:
    queryset = Agreement.objects.published()
    for name, value in filters.items():
        if name == without or value in (None, ""):
            continue
        if name == "q":
            queryset = queryset.filter(Q(title__icontains=value) | Q(title_en__icontains=value))
        elif name in ("kind", "status"):
            queryset = queryset.filter(**{name: value})
        elif name == "district":
            queryset = queryset.filter(district_id=value)
        elif name == "year":
            queryset = queryset.filter(signed_on__year=value)
        elif name == "institution":
            queryset = queryset.filter(
                id__in=AgreementParty.objects.filter(
                    institution_family_q("institution", value)
                ).values("agreement_id")
            )
        else:
            raise ValueError(f"unknown agreement filter {name!r}")
    return queryset


def agreement_facets(filters: dict) -> dict[str, list[dict]]:
    return {
        "kind": _choice_facet(agreement_search(filters, without="kind"), "kind"),
        "status": _choice_facet(agreement_search(filters, without="status"), "status"),
        "district": _district_facet(agreement_search(filters, without="district")),
        "year": _year_facet(agreement_search(filters, without="year"), "signed_on"),
        "institution": _institution_facet(
            AgreementParty.objects.filter(
                agreement__in=agreement_search(filters, without="institution")
            ),
            "agreement_id",
        ),
    }


def public_parties() -> QuerySet:
    # institution__parent: a sub-unit is named with its university.
    return (
        AgreementParty.objects.filter(public_party_q())
        .select_related("district", "institution__parent")
        .order_by("id")
    )


def agreement_list_rows(queryset: QuerySet) -> QuerySet:
    return (
        queryset.select_related("district")  # district: the district column
        .prefetch_related(Prefetch("parties", queryset=public_parties()))
        .order_by(F("signed_on").desc(nulls_last=True), "title", "id")
    )


def agreement_for_page(pk: int) -> Agreement:
    # part_of: the framework agreement of a phase, linked when published.
    return Agreement.objects.published().select_related("district", "part_of", "source").get(pk=pk)


def agreement_parties(agreement: Agreement) -> QuerySet:
    return public_parties().filter(agreement=agreement)


def agreement_phases(agreement: Agreement) -> QuerySet:
    return agreement.phases.published().order_by("phase_number", "signed_on", "id")


def agreement_projects(agreement: Agreement) -> QuerySet:
    """Published projects under the agreement or one of its phases."""
    return (
        Project.objects.published()
        .filter(Q(agreement=agreement) | Q(agreement__part_of=agreement))
        .select_related("agreement")  # agreement: which phase a project belongs to
        .order_by(F("starts_on").asc(nulls_last=True), "title", "id")
    )


# -- institutions -------------------------------------------------------------------------------

INSTITUTION_FILTERS = ("q", "level", "kind", "district")
# `level`: the list shows top-level institutions unless `level=all` asks for sub-units too.
LEVEL_ALL = "all"


def institution_search(filters: dict, *, without: str | None = None) -> QuerySet:
    queryset = Institution.objects.published()
    if filters.get("level") != LEVEL_ALL:
        queryset = queryset.filter(parent__isnull=True)
    else:
        # A sub-unit of an unpublished parent would name the parent on its row.
        queryset = queryset.filter(Q(parent__isnull=True) | Q(parent__state=PUBLISHED))
    for name, value in filters.items():
        if name in (without, "level") or value in (None, ""):
            continue
        if name == "q":
            # A sub-unit is listed under its university's name ("山西大学 计算机学院"), so a
            # search for the university finds its sub-units too.
            queryset = queryset.filter(
                Q(name__icontains=value)
                | Q(name_en__icontains=value)
                | Q(short_name__icontains=value)
                | Q(parent__name__icontains=value)
                | Q(parent__name_en__icontains=value)
            )
        elif name == "kind":
            queryset = queryset.filter(kind=value)
        elif name == "district":
            queryset = queryset.filter(district_id=value)
        else:
            raise ValueError(f"unknown institution filter {name!r}")
    return queryset


def institution_facets(filters: dict) -> dict[str, list[dict]]:
    return {
        "kind": _choice_facet(institution_search(filters, without="kind"), "kind"),
        "district": _district_facet(institution_search(filters, without="district")),
    }


def institution_list_rows(queryset: QuerySet) -> QuerySet:
    # parent: a sub-unit's row names its university; district: the district column.
    return queryset.select_related("parent", "district").order_by("name", "id")


def institution_for_page(pk: int) -> Institution:
    """A published institution whose parent, if any, is published too."""
    return (
        Institution.objects.published()
        .filter(Q(parent__isnull=True) | Q(parent__state=PUBLISHED))
        .select_related("parent", "district", "source")
        .get(pk=pk)
    )


def institution_sub_units(institution: Institution) -> QuerySet:
    return institution.sub_units.published().order_by("kind", "name", "id")


def institution_participations(ids: list[int]) -> QuerySet:
    """Participations of these institutions in published projects, with project and role."""
    # project: the row's link; institution: which sub-unit took part.
    return (
        ProjectParticipant.objects.filter(institution_id__in=ids, project__state=PUBLISHED)
        .filter(visible_institution_q())
        .select_related("project", "institution__parent")
        .order_by(F("project__starts_on").desc(nulls_last=True), "project__title", "id")
    )


def institution_agreement_parties(ids: list[int]) -> QuerySet:
    # agreement: the row's link; institution: which sub-unit is the party.
    return (
        AgreementParty.objects.filter(institution_id__in=ids, agreement__state=PUBLISHED)
        .filter(visible_institution_q())
        .select_related("agreement", "institution__parent")
        .order_by(F("agreement__signed_on").desc(nulls_last=True), "agreement__title", "id")
    )


# -- dashboard ----------------------------------------------------------------------------------


def registry_counts() -> dict[str, int]:
    """Published agreements, projects (and how many are sub-projects), partner institutions."""
    agreements = Agreement.objects.published().aggregate(
        total=Count("id"), phases=Count("id", filter=Q(part_of__isnull=False))
    )
    projects = Project.objects.published().aggregate(
        total=Count("id"), sub_projects=Count("id", filter=Q(part_of__isnull=False))
    )
    return {
        "agreements": agreements["total"],
        "agreement_phases": agreements["phases"],
        "projects": projects["total"],
        "sub_projects": projects["sub_projects"],
        "partner_institutions": partner_institutions().count(),
    }


def partner_institutions() -> QuerySet:
    """Published top-level institutions taking part, themselves or by a sub-unit, in a published
    project or agreement."""
    in_projects = ProjectParticipant.objects.filter(
        project__state=PUBLISHED, institution__isnull=False
    ).values(top=_top("institution", "id"))
    in_agreements = AgreementParty.objects.filter(
        agreement__state=PUBLISHED, institution__isnull=False
    ).values(top=_top("institution", "id"))
    return Institution.objects.published().filter(
        Q(parent__isnull=True) & (Q(id__in=in_projects) | Q(id__in=in_agreements))
    )


def projects_by_district_year_field() -> list[dict]:
    """Published projects counted per district, start year and field (one query).

    The dashboard folds these rows into its charts by year, by field and by district.
    """
    return list(
        Project.objects.published()
        .order_by()
        .values(
            "field",
            "district_id",
            district_name=F("district__name"),
            district_name_en=F("district__name_en"),
            year=ExtractYear("starts_on"),
        )
        .annotate(count=Count("id"))
    )


def agreements_by_district_year() -> list[dict]:
    return list(
        Agreement.objects.published()
        .order_by()
        .values(
            "district_id",
            district_name=F("district__name"),
            district_name_en=F("district__name_en"),
            year=ExtractYear("signed_on"),
        )
        .annotate(count=Count("id"))
    )


def projects_by_institution(limit: int = 10) -> list[dict]:
    """Top-level institutions with the most published projects (their sub-units' included)."""
    rows = _institution_facet(
        ProjectParticipant.objects.filter(project__state=PUBLISHED), "project_id"
    )
    return rows[:limit]


def staff_roles_of(user) -> set[str]:
    """Every role a user holds, by a district role or by membership of the role's group."""
    from_districts = set(user.district_roles.values_list("role", flat=True))
    from_groups = set(
        Group.objects.filter(user=user, name__in=StaffRole.values).values_list("name", flat=True)
    )
    return from_districts | from_groups
