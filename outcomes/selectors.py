"""Honest aggregates of outcomes (the honesty rules, listed in the README).

Every total on a dashboard, a page or the statistics API comes from `outcome_totals`, so the
rules live in one place:

1. A cumulative figure is a snapshot: within one series only the latest snapshot stands
   (figures dated the same day are parts of one snapshot and add up). Increments whose period
   starts after everything that snapshot may include add to it; without a snapshot,
   increments add up.
2. Figures are only ever added within one unit; money stays an exact Decimal of yuan.
3. The qualifier of a sum is the weakest of its parts: anything "about" makes it "about",
   "more than" (a lower bound) and "nearly" (an upper bound) together make it "about".
4. Where a scope has a reported count of patents (or copyrights, standards), its itemised
   records of that kind are not added again: the reported figure stands and says how many
   itemised records it covers.

A *series* is one thing measured over time: the same kind, unit and category, attributed to
the same project, agreement, institution and enterprise. Different series are different things
and may be added.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, Case, ExpressionWrapper, F, Q, QuerySet, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from companies.models import AgreementEnterprise, ProjectEnterprise
from outcomes.choices import Basis, OutcomeForm, OutcomeKind, Unit
from outcomes.models import Outcome, Target
from partnerships.choices import DatePrecision, Qualifier
from partnerships.models import (
    Agreement,
    AgreementParty,
    DataVersion,
    District,
    Institution,
    Project,
    ProjectParticipant,
)
from partnerships.selectors import descendants_of_each
from partnerships.selectors import families as all_families

# The fields that say what a figure counts beyond its kind and unit.
CATEGORY_FIELDS = ("patent_type", "patent_status", "standard_level", "enterprise_category")
ATTRIBUTION_FIELDS = ("project_id", "agreement_id", "institution_id", "enterprise_id")
GROUP_DIMENSIONS = (
    "kind",
    "unit",
    "category",
    "year",
    "field",
    "district",
    "project",
    "agreement",
    "enterprise",
    "institution",
)

ROW_FIELDS = (
    "id",
    "form",
    "kind",
    "unit",
    "quantity",
    "qualifier",
    "basis",
    "period_start",
    "district_id",
    "project__field",
    *CATEGORY_FIELDS,
    *ATTRIBUTION_FIELDS,
)


def combine_qualifiers(qualifiers: Iterable[str]) -> str:
    """The qualifier of a sum: the weakest of its parts (rule 3)."""
    present = set(qualifiers) - {Qualifier.EXACT}
    if not present:
        return Qualifier.EXACT
    if Qualifier.ABOUT in present or present == {Qualifier.MORE_THAN, Qualifier.NEARLY}:
        return Qualifier.ABOUT
    return present.pop()


@dataclass
class Total:
    """A sum of figures of one kind and unit, with how it was reached and what it is made of."""

    kind: str
    unit: str
    quantity: Decimal
    qualifier: str
    group: dict = field(default_factory=dict)
    outcome_ids: list[int] = field(default_factory=list)
    # Itemised records left out because a reported count of the same scope covers them (rule 4).
    covered_item_ids: list[int] = field(default_factory=list)
    # Cumulative snapshots superseded by a later one of the same series (rule 1).
    superseded_ids: list[int] = field(default_factory=list)

    @property
    def method(self) -> str:
        """Which figures the total shows, in words a reader of a public page understands."""
        # Both reasons can apply to one total; naming only the first would hide the other.
        reasons = []
        if self.covered_item_ids:
            reasons.append(
                _("Reported figures; %(n)s itemised records are covered by them, not added.")
                % {"n": len(self.covered_item_ids)}
            )
        if self.superseded_ids:
            reasons.append(_("Latest cumulative figures; earlier snapshots are not added."))
        if not reasons:
            return str(_("Sum of the figures listed."))
        return " ".join(str(reason) for reason in reasons)


def with_effective_date(queryset: QuerySet) -> QuerySet:
    """The date a figure speaks for: its as-of date, its period, else its source's date.

    With how precisely that date is known: a snapshot "as of 2020" is stored as 1 January but
    may include anything up to 31 December.
    """
    return queryset.annotate(
        effective_on=Coalesce("as_of", "period_end", "period_start", F("source__published_on")),
        effective_precision=Case(
            When(as_of__isnull=False, then=F("as_of_precision")),
            default=F("source__published_on_precision"),
        ),
    )


def _rows(queryset: QuerySet) -> list[dict]:
    return list(
        with_effective_date(queryset)
        .values(*ROW_FIELDS, "effective_on", "effective_precision")
        .order_by("id")
    )


def _category(row: dict) -> str:
    return "/".join(row[name] for name in CATEGORY_FIELDS if row[name])


def _series_key(row: dict) -> tuple:
    return (
        row["kind"],
        row["unit"],
        *(row[f] for f in CATEGORY_FIELDS),
        *(row[f] for f in ATTRIBUTION_FIELDS),
    )


def _scope_key(row: dict) -> tuple:
    return (row["kind"], *(row[f] for f in ATTRIBUTION_FIELDS))


def _cover_key(row: dict) -> tuple:
    return (*_scope_key(row), row.get("institution"))


def _sort_date(row: dict) -> datetime.date:
    # An undated figure cannot be placed after a dated one of its series: it sorts first.
    return row["effective_on"] or datetime.date.min


def _last_day_covered(row: dict) -> datetime.date:
    """The last day a snapshot may include, given how precisely its date is known."""
    day = _sort_date(row)
    if row["effective_on"] is None:
        return day
    if row["effective_precision"] == DatePrecision.YEAR:
        return day.replace(month=12, day=31)
    if row["effective_precision"] == DatePrecision.MONTH:
        next_month = day.replace(day=28) + datetime.timedelta(days=4)
        return next_month.replace(day=1) - datetime.timedelta(days=1)
    return day


def _increment_start(row: dict) -> datetime.date | None:
    return row["period_start"] or row["effective_on"]


@dataclass
class _SeriesValue:
    quantity: Decimal
    qualifiers: list[str]
    ids: list[int]
    superseded: list[int]


def _series_value(rows: list[dict]) -> _SeriesValue:
    """Rule 1 for one series: the latest snapshot, plus increments after it.

    Written as single passes over the rows: at province scale this runs for every series of
    a million figures (each helper call and list pass per row shows in the dashboard's time).
    """
    cumulative, increment = Basis.CUMULATIVE, Basis.INCREMENT
    snapshots, increments = [], []
    for r in rows:
        basis = r["basis"]
        if basis == cumulative:
            snapshots.append(r)
        elif basis == increment:
            increments.append(r)
    superseded = []
    if snapshots:
        undated = datetime.date.min  # as _sort_date: an undated figure sorts first
        dates = [r["effective_on"] or undated for r in snapshots]
        latest = max(dates)
        used = []
        for r, day in zip(snapshots, dates, strict=True):
            if day == latest:
                used.append(r)
            else:
                superseded.append(r["id"])
        # An increment adds to the snapshot only if its period *starts* after everything the
        # snapshot may include: a period that merely ends later overlaps it, and part of it is
        # already counted. An increment with no date at all cannot be placed, so it is not
        # added either (never count twice; the snapshot stands as the figure we know).
        covered_until = max(_last_day_covered(r) for r in used)
        for r in increments:
            start = r["period_start"] or r["effective_on"]  # _increment_start
            if start is not None and start > covered_until:
                used.append(r)
            else:
                superseded.append(r["id"])
    else:
        used = increments
    quantity = Decimal(0)
    for r in used:
        quantity += r["quantity"]
    return _SeriesValue(
        quantity=quantity,
        qualifiers=[r["qualifier"] for r in used],
        ids=[r["id"] for r in used],
        superseded=superseded,
    )


def combine(rows: Sequence[dict], *, by: Sequence[str] = ()) -> list[Total]:
    """Apply the honesty rules to figure rows and total them per group.

    `by` adds grouping dimensions to the mandatory kind and unit (rule 2): any of
    "category", "year", "field", "district", "project", "agreement", "enterprise",
    "institution" (the last expects rows expanded with an "institution" key).
    """

    def group_of(row: dict) -> tuple:
        if not by:  # the common case: one tuple per kind and unit, not one per row
            return kind_unit_groups(row["kind"], row["unit"])
        values = {"kind": row["kind"], "unit": row["unit"]}
        for dimension in by:
            values[dimension] = _dimension_value(row, dimension)
        return tuple(values.items())

    known: dict[tuple, tuple] = {}

    def kind_unit_groups(kind, unit) -> tuple:
        group = known.get((kind, unit))
        if group is None:
            group = known[(kind, unit)] = (("kind", kind), ("unit", unit))
        return group

    # Groups of the reported counts per scope (and per expanded institution, when rows are
    # expanded by institution): a covered item is listed beside the figure that covers it.
    # Its own group may differ (another category or year) and may hold no figure at all, where
    # the item would silently vanish from every total.
    reported_groups: dict[tuple, list[tuple]] = defaultdict(list)
    for r in rows:
        if r["form"] == OutcomeForm.REPORTED and r["kind"] in OutcomeKind.itemisable:
            reported_groups[_cover_key(r)].append(group_of(r))

    groups: dict[tuple, dict[tuple, list[dict]]] = defaultdict(lambda: defaultdict(list))
    covered_by_group: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        covering = reported_groups.get(_cover_key(row)) if row["form"] == OutcomeForm.ITEM else None
        if covering:
            own = group_of(row)
            covered_by_group[own if own in covering else covering[0]].append(row["id"])
            continue
        groups[group_of(row)][_series_key(row)].append(row)

    totals = []
    for group, series in groups.items():
        values = [_series_value(rows_) for rows_ in series.values()]
        group_dict = dict(group)
        totals.append(
            Total(
                kind=group_dict["kind"],
                unit=group_dict["unit"],
                quantity=sum((v.quantity for v in values), Decimal(0)),
                qualifier=combine_qualifiers(q for v in values for q in v.qualifiers),
                group=group_dict,
                outcome_ids=sorted(i for v in values for i in v.ids),
                covered_item_ids=sorted(covered_by_group.get(group, [])),
                superseded_ids=sorted(i for v in values for i in v.superseded),
            )
        )
    return sorted(totals, key=_group_order)


def _group_order(total: Total) -> tuple:
    # Years and ids sort as numbers (not "10" < "9"), and an unknown value (no project, no
    # institution, no date) sorts after the known ones, whatever the dimension's type.
    return tuple((value is None, 0 if value is None else value) for value in total.group.values())


def _dimension_value(row: dict, dimension: str):
    match dimension:
        case "category":
            return _category(row)
        case "year":
            return row["effective_on"].year if row["effective_on"] else None
        case "field":
            return row["project__field"]
        case "district":
            return row["district_id"]
        case "institution":
            return row["institution"]
        case _:
            return row[f"{dimension}_id"]


def outcome_totals(
    queryset: QuerySet, *, by: Sequence[str] = (), institutions: QuerySet | None = None
) -> list[Total]:
    """Honest totals of the outcomes in `queryset` (pass `.public()` outcomes for public use).

    `institutions`: those a group may name (default: the published ones, for the public).
    """
    unknown = set(by) - set(GROUP_DIMENSIONS)
    if unknown:
        raise ValueError(f"cannot group outcomes by {sorted(unknown)}")
    if "institution" not in by:
        return combine(_rows(queryset), by=by)
    if institutions is None:
        institutions = Institution.objects.published()
    return combine(_rows_per_institution(queryset, institutions), by=by)


def _rows_per_institution(queryset: QuerySet, institutions: QuerySet) -> list[dict]:
    """One row per outcome and institution it counts for (directly, or via its project/agreement).

    Top-level institutions only: a sub-unit's outcomes count for its university. Only
    `institutions` count: a participant the client may not read (a draft) is absent, and so is
    a sub-unit under one, so no group names an unpublished institution. An outcome linked to no
    such institution stays, in the group of institution None: a breakdown must not silently lose
    figures. Three queries whatever the number of outcomes.
    """
    rows = _rows(queryset)
    # Readable institutions only: a link to any other is dropped.
    parent_of = dict(institutions.order_by().values_list("id", "parent_id"))

    def top(institution_id):
        seen = set()
        while parent_of.get(institution_id) and institution_id not in seen:
            seen.add(institution_id)
            institution_id = parent_of[institution_id]
        # The chain ends at a readable top-level institution, or at one that may not be named.
        return institution_id if institution_id in parent_of else None

    links = defaultdict(set)
    # A subquery, not a list of ids: a province has a million outcomes, more than a database
    # accepts as query parameters.
    for outcome_id, direct, via_project, via_agreement in Outcome.objects.filter(
        id__in=queryset.values("id")
    ).values_list(
        "id",
        "institution_id",
        "project__participants__institution_id",
        "agreement__parties__institution_id",
    ):
        for institution_id in (direct, via_project, via_agreement):
            if institution_id is not None and top(institution_id) is not None:
                links[outcome_id].add(top(institution_id))
    return [
        {**row, "institution": institution_id}
        for row in rows
        for institution_id in sorted(links[row["id"]]) or [None]
    ]


def intellectual_property_total(totals: Iterable[Total]) -> Total | None:
    """知识产权 as the district counts it: patents plus software copyrights, in items."""
    parts = [
        t for t in totals if t.kind in OutcomeKind.intellectual_property and t.unit == Unit.ITEM
    ]
    if not parts:
        return None
    return Total(
        kind="intellectual_property",
        unit=Unit.ITEM,
        quantity=sum((t.quantity for t in parts), Decimal(0)),
        qualifier=combine_qualifiers(t.qualifier for t in parts),
        outcome_ids=sorted(i for t in parts for i in t.outcome_ids),
        covered_item_ids=sorted(i for t in parts for i in t.covered_item_ids),
        superseded_ids=sorted(i for t in parts for i in t.superseded_ids),
    )


# Scopes: which outcomes count for a record. Sub-units, phases and sub-projects count for
# their parent, so a university's page includes its key laboratory's work.


def _with_descendants(model, record) -> list[int]:
    return descendants_of_each(model, [record.pk])[record.pk]


# The scopes below name the linked projects and agreements by subqueries of ids rather than by
# joins through participants and parties: the same outcomes, but the database reads each link
# table once instead of joining it to every outcome (an enterprise page fell from ~70 ms to a
# few on district-scale data).


def _institution_family_scope(ids) -> Q:
    return (
        Q(institution_id__in=ids)
        | Q(
            project_id__in=ProjectParticipant.objects.filter(institution_id__in=ids).values(
                "project_id"
            )
        )
        | Q(
            agreement_id__in=AgreementParty.objects.filter(institution_id__in=ids).values(
                "agreement_id"
            )
        )
    )


def _agreement_family_scope(ids) -> Q:
    return Q(agreement_id__in=ids) | Q(
        project_id__in=Project.objects.filter(agreement_id__in=ids).values("id")
    )


def _enterprise_scope_by_id(pk: int) -> Q:
    return (
        Q(enterprise_id=pk)
        | Q(project_id__in=ProjectEnterprise.objects.filter(enterprise_id=pk).values("project_id"))
        | Q(
            agreement_id__in=AgreementEnterprise.objects.filter(enterprise_id=pk).values(
                "agreement_id"
            )
        )
    )


def institution_scope(institution: Institution) -> Q:
    return _institution_family_scope(_with_descendants(Institution, institution))


def agreement_scope(agreement: Agreement) -> Q:
    return _agreement_family_scope(_with_descendants(Agreement, agreement))


def project_scope(project: Project) -> Q:
    return Q(project_id__in=_with_descendants(Project, project))


def enterprise_scope(enterprise) -> Q:
    return _enterprise_scope_by_id(enterprise.pk)


def outcomes_in_scope(scope: Q, *, public: bool = True) -> QuerySet:
    """Outcomes matching a scope, each once (a scope's joins can repeat a row)."""
    base = Outcome.objects.public() if public else Outcome.objects.all()
    return base.filter(id__in=Outcome.objects.filter(scope).values("id"))


def targets_in_scope(scope: Q, *, public: bool = True) -> QuerySet:
    base = Target.objects.public() if public else Target.objects.all()
    return base.filter(id__in=Target.objects.filter(scope).values("id"))


@dataclass
class TargetProgress:
    target: Target
    achieved: Total | None


def _target_scopes(targets: list[Target]) -> list[tuple[tuple, Q]]:
    """The scope of each target (the record it is set for), named by that record, in one query."""
    records = []
    for target in targets:
        if target.project_id:
            records.append((Project, target.project_id))
        elif target.agreement_id:
            records.append((Agreement, target.agreement_id))
        elif target.enterprise_id:
            records.append((None, target.enterprise_id))
        elif target.institution_id:
            records.append((Institution, target.institution_id))
        else:
            records.append((District, target.district_id))
    # One query for the three hierarchies, whatever the targets (none included).
    families = all_families(
        {
            model: {pk for m, pk in records if m is model}
            for model in (Project, Agreement, Institution)
        }
    )
    scopes = []
    for model, pk in records:
        if model is Project:
            scopes.append(Q(project_id__in=families[Project][pk]))
        elif model is Agreement:
            scopes.append(_agreement_family_scope(families[Agreement][pk]))
        elif model is Institution:
            scopes.append(_institution_family_scope(families[Institution][pk]))
        elif model is None:
            scopes.append(_enterprise_scope_by_id(pk))
        else:
            scopes.append(Q(district_id=pk))
    return [
        (("enterprise" if m is None else m.__name__, pk), q)
        for (m, pk), q in zip(records, scopes, strict=True)
    ]


def target_progress(targets: Iterable[Target], *, public: bool = True) -> list[TargetProgress]:
    """Each target beside what was achieved of the same kind and unit in the same scope.

    Targets stay separate from achievements; this only puts the two side by side. The rows of
    every target are read by one query (each row flagged with the targets it counts for) and
    totalled per target by `combine`, exactly as `outcome_totals` would total each target's
    own queryset; the scopes of all targets cost one more (`families`). So a page runs the
    same two queries for no target, one or a hundred.
    """
    targets = list(targets)
    base = Outcome.objects.public() if public else Outcome.objects.all()
    # One flag per distinct scope (many targets share their record's scope); kind, unit and
    # period are compared in Python on the row, as the filters of one target's query would.
    flag_of_scope: dict = {}
    target_flags = []
    for key, scope in _target_scopes(targets):
        if key not in flag_of_scope:
            flag_of_scope[key] = (f"in_scope_{len(flag_of_scope)}", scope)
        target_flags.append(flag_of_scope[key][0])
    any_scope = Q(pk__lt=0)
    for _name, scope in flag_of_scope.values():
        any_scope |= scope
    # Without targets the query still runs, for nothing (no outcome has a negative id): the
    # page's query count stays the same whether it shows targets or not.
    kinds_units = Q(pk__lt=0)
    for kind, unit in {(target.kind, target.unit) for target in targets}:
        kinds_units |= Q(kind=kind, unit=unit)
    flags = {
        name: ExpressionWrapper(
            Q(id__in=Outcome.objects.filter(scope).values("id")), output_field=BooleanField()
        )
        for name, scope in flag_of_scope.values()
    }
    rows = list(
        with_effective_date(base.filter(kinds_units))
        .filter(id__in=Outcome.objects.filter(any_scope).values("id"))
        .annotate(**flags)
        .values(*ROW_FIELDS, "effective_on", "effective_precision", *flags)
        .order_by("id")
    )
    progress = []
    for target, flag in zip(targets, target_flags, strict=True):
        start = target.period_start
        # A plan for 2021–2025 is not met by what was done before 2021: only figures dated in
        # the plan's period count, and an undated figure cannot be placed in it. (A cumulative
        # snapshot dated in the period still counts whole.)
        totals = combine(
            [
                row
                for row in rows
                if row[flag]
                and row["kind"] == target.kind
                and row["unit"] == target.unit
                and (
                    start is None
                    or (row["effective_on"] is not None and row["effective_on"] >= start)
                )
            ]
        )
        progress.append(TargetProgress(target=target, achieved=totals[0] if totals else None))
    return progress


# ---------------------------------------------------------------------------------------------
# Public pages. Reads only: every figure still comes from outcome_totals, intellectual_property_
# total and target_progress above; these functions choose the rows and fetch what is printed.
# ---------------------------------------------------------------------------------------------

# What a public page prints beside a figure: its source, and the records it is attributed to
# (a sub-unit institution is named with its university).
OUTCOME_PAGE_RELATIONS = ("source", "project", "agreement", "institution__parent", "enterprise")
INTELLECTUAL_PROPERTY = "intellectual_property"


def outcome_rows_for_page(outcomes: QuerySet) -> QuerySet:
    """The outcomes of a page, grouped by kind and unit as the totals are, with their sources."""
    return outcomes.select_related(*OUTCOME_PAGE_RELATIONS).order_by("kind", "unit", "id")


def target_rows_for_page(targets: QuerySet) -> QuerySet:
    # The attributed records: target_progress reads the one that sets each target's scope.
    return targets.select_related(*OUTCOME_PAGE_RELATIONS).order_by(
        F("due_on").asc(nulls_last=True), "kind", "id"
    )


def intellectual_property_parts(outcomes: QuerySet) -> list[Total]:
    """The parts of 知识产权 by kind and category (invention, utility model, copyrights…)."""
    return outcome_totals(
        outcomes.filter(kind__in=OutcomeKind.intellectual_property), by=["category"]
    )


def page_figures(outcomes: QuerySet) -> tuple[list[Total], Total | None, list[Total]]:
    """A detail page's totals, its 知识产权 and that figure's parts, from one read of the rows.

    The same as `outcome_totals(outcomes)`, `intellectual_property_total` of those and
    `intellectual_property_parts(outcomes)`: the parts are `combine` over the rows of the
    intellectual-property kinds, which is what the filtered queryset would read. One query,
    whether the scope has intellectual property or not.
    """
    rows = _rows(outcomes)
    totals = combine(rows)
    intellectual_property = intellectual_property_total(totals)
    kinds = set(OutcomeKind.intellectual_property)
    parts = (
        combine([row for row in rows if row["kind"] in kinds], by=["category"])
        if intellectual_property
        else []
    )
    return totals, intellectual_property, parts


def dashboard_targets(limit: int) -> list[Target]:
    """The public targets the dashboard sets against achievements, soonest due first.

    target_progress costs one to three queries per target (its scope, then its total), so the
    dashboard shows a bounded number of them.
    """
    return list(target_rows_for_page(Target.objects.public())[:limit])


@dataclass
class FigureBreakdown:
    """One public figure and the outcomes it is made of, for the page that explains it."""

    total: Total | None
    counted_ids: set[int]
    covered_ids: set[int]
    superseded_ids: set[int]

    @property
    def all_ids(self) -> list[int]:
        return sorted(self.counted_ids | self.covered_ids | self.superseded_ids)


def figure_breakdown(kind: str, unit: str, category: str | None = None) -> FigureBreakdown:
    """The registry-wide public total of a kind and unit (or of 知识产权, or of one category),
    with the ids of the outcomes counted, covered by a reported figure, or superseded."""
    public = Outcome.objects.public()
    if kind == INTELLECTUAL_PROPERTY:
        outcomes = public.filter(kind__in=OutcomeKind.intellectual_property, unit=unit)
        total = intellectual_property_total(outcome_totals(outcomes))
    elif category is not None:
        # The whole kind is totalled by category and one group picked: totalling a filtered set
        # would lose the reported figures that cover this category's items (rule 4).
        totals = outcome_totals(public.filter(kind=kind, unit=unit), by=["category"])
        total = next((t for t in totals if t.group["category"] == category), None)
    else:
        totals = outcome_totals(public.filter(kind=kind, unit=unit))
        total = totals[0] if totals else None
    if total is None:
        return FigureBreakdown(None, set(), set(), set())
    return FigureBreakdown(
        total=total,
        counted_ids=set(total.outcome_ids),
        covered_ids=set(total.covered_item_ids),
        superseded_ids=set(total.superseded_ids),
    )


# --- Cached aggregates ---------------------------------------------------------------------------


def data_version() -> int:
    """A number that changes whenever a business record is written, and only then.

    The audited write path increments it in the writing transaction
    (`partnerships.models.DataVersion`), so it turns over exactly when the write commits: a
    value computed after reading it is at least as new as the number it is filed under. Log-ins,
    imports and exports as events and account changes leave it alone and the cache warm.
    """
    return DataVersion.objects.current()


def cached_aggregate(key: str, compute):
    """`compute()`'s value for the registry as it is now, computed once per data version.

    Totals over every public outcome read all of their rows (the honesty rules are applied in
    Python, series by series); at province scale that is a million rows. Keyed by the data
    version, a cached value is exact: the first request after any write computes it anew.
    """
    full_key = f"aggregate:{data_version()}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, settings.AGGREGATE_CACHE_SECONDS)
    return value
