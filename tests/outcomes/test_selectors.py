"""Honest aggregates of outcomes: each test pins one honesty rule (the README lists them) on a
small hand-made case, told the way the district's reports tell it."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from companies.models import AgreementEnterprise, Enterprise, ProjectEnterprise
from outcomes.choices import Basis, OutcomeForm, OutcomeKind, PatentType, Unit
from outcomes.models import Outcome, Target
from outcomes.selectors import (
    Total,
    agreement_scope,
    combine,
    combine_qualifiers,
    enterprise_scope,
    institution_scope,
    intellectual_property_total,
    outcome_totals,
    outcomes_in_scope,
    project_scope,
    target_progress,
    targets_in_scope,
)
from partnerships.choices import (
    AgreementKind,
    DatePrecision,
    Field,
    InstitutionKind,
    PartyRole,
    ProjectKind,
    PublicationState,
    Qualifier,
)
from partnerships.models import (
    Agreement,
    AgreementParty,
    District,
    Institution,
    Project,
    ProjectParticipant,
    Source,
)

PUBLISHED = PublicationState.PUBLISHED
DRAFT = PublicationState.DRAFT
D = datetime.date


@pytest.fixture(autouse=True)
def _english():
    """`Total.method` is compared in its English source form, whatever LANGUAGE_CODE says."""
    with translation.override("en"):
        yield


# --- Hand-made records (each validated with full_clean() before it is saved) ----------------


def _saved(record):
    record.full_clean()
    record.save()
    return record


def _district(code="140105", name="小店区"):
    return District.objects.filter(code=code).first() or _saved(District(code=code, name=name))


ARTICLE_DATE = D(2021, 6, 1)


def _source(published_on=ARTICLE_DATE, title="小店区校地合作报道"):
    return _saved(Source(title=title, published_on=published_on))


def _institution(name, *, parent=None, state=PUBLISHED):
    kind = InstitutionKind.COLLEGE if parent else InstitutionKind.UNIVERSITY
    return _saved(
        Institution(name=name, kind=kind, parent=parent, district=_district(), state=state)
    )


def _agreement(title, *, part_of=None, parties=(), state=PUBLISHED):
    agreement = _saved(
        Agreement(
            title=title,
            kind=AgreementKind.COOPERATION,
            district=_district(),
            part_of=part_of,
            phase_number=2 if part_of else None,
            state=state,
        )
    )
    for institution in parties:
        _saved(AgreementParty(agreement=agreement, institution=institution, role=PartyRole.PARTNER))
    return agreement


def _project(
    title,
    *,
    field=Field.BIG_DATA_IT,
    agreement=None,
    part_of=None,
    institutions=(),
    state=PUBLISHED,
):
    project = _saved(
        Project(
            title=title,
            kind=ProjectKind.IUR_PROJECT,
            field=field,
            district=_district(),
            agreement=agreement,
            part_of=part_of,
            state=state,
        )
    )
    for institution in institutions:
        _saved(ProjectParticipant(project=project, institution=institution, role=PartyRole.LEAD))
    return project


def _enterprise(name, *, state=PUBLISHED):
    return _saved(Enterprise(name=name, district=_district(), state=state))


def _figure(kind, quantity, unit, *, source=None, qualifier=Qualifier.EXACT, **fields):
    """The fields every outcome and target carries; `fields` names the attributed records."""
    return {
        "district": _district(),
        "kind": kind,
        "quantity": Decimal(quantity),
        "unit": unit,
        "qualifier": qualifier,
        "source": source or _source(),
        "source_passage": "据小店区报道。",
        **fields,
    }


def _cumulative(kind, quantity, unit, *, as_of=None, state=PUBLISHED, **fields):
    """A running total as of a date (累计): empty `as_of` means the source's date."""
    return _saved(
        Outcome(
            basis=Basis.CUMULATIVE,
            as_of=as_of,
            state=state,
            **_figure(kind, quantity, unit, **fields),
        )
    )


def _increment(kind, quantity, unit, *, period, state=PUBLISHED, **fields):
    """What was added during a period (新增): `period` is (start, end)."""
    start, end = period
    return _saved(
        Outcome(
            basis=Basis.INCREMENT,
            period_start=start,
            period_end=end,
            state=state,
            **_figure(kind, quantity, unit, **fields),
        )
    )


def _itemised(kind, title, *, patent_type="", state=PUBLISHED, **fields):
    """One patent, software copyright or standard, counted as exactly one item."""
    return _saved(
        Outcome(
            form=OutcomeForm.ITEM,
            basis=Basis.CUMULATIVE,
            title=title,
            patent_type=patent_type,
            state=state,
            **_figure(kind, 1, Unit.ITEM, **fields),
        )
    )


def _target(kind, quantity, unit, *, state=PUBLISHED, **fields):
    return _saved(Target(state=state, **_figure(kind, quantity, unit, **fields)))


def _district_totals(*, by=(), public=True):
    return outcome_totals(outcomes_in_scope(Q(district=_district()), public=public), by=by)


def _only(totals) -> Total:
    assert len(totals) == 1, totals
    return totals[0]


YEAR_2021 = (D(2021, 1, 1), D(2021, 12, 31))


# --- Rule 1: a cumulative figure is a snapshot ----------------------------------------------


@pytest.mark.django_db
def test_cumulative_later_snapshot_supersedes_earlier():
    base = _project("教师研修基地")
    earlier = _cumulative(
        OutcomeKind.TRAINEES, 300, Unit.PERSON_TIME, as_of=D(2020, 12, 31), project=base
    )
    later = _cumulative(
        OutcomeKind.TRAINEES, 500, Unit.PERSON_TIME, as_of=D(2021, 12, 31), project=base
    )

    total = _only(outcome_totals(outcomes_in_scope(project_scope(base))))

    assert total.quantity == Decimal(500)
    assert total.outcome_ids == [later.id]
    assert total.superseded_ids == [earlier.id]
    assert total.method == "Latest cumulative figures; earlier snapshots are not added."


@pytest.mark.django_db
def test_cumulative_parts_on_same_date_add_up():
    service = _project("教育服务平台", field=Field.EDUCATION)
    day = D(2021, 5, 31)
    parts = [
        _cumulative(
            OutcomeKind.INSTITUTIONS_SERVED,
            n,
            Unit.INSTITUTION,
            as_of=day,
            description=who,
            project=service,
        )
        for n, who in ((30, "大专院校"), (50, "中小学"), (80, "幼儿园"))
    ]

    total = _only(outcome_totals(outcomes_in_scope(project_scope(service))))

    assert total.quantity == Decimal(160)
    assert total.outcome_ids == [part.id for part in parts]
    assert total.superseded_ids == []


@pytest.mark.django_db
def test_cumulative_increment_after_snapshot_adds_to_it():
    base = _project("实训基地")
    snapshot = _cumulative(
        OutcomeKind.TRAINEES, 1000, Unit.PERSON, as_of=D(2020, 12, 31), project=base
    )
    added = _increment(OutcomeKind.TRAINEES, 200, Unit.PERSON, period=YEAR_2021, project=base)

    total = _only(outcome_totals(outcomes_in_scope(project_scope(base))))

    assert total.quantity == Decimal(1200)
    assert total.outcome_ids == [snapshot.id, added.id]


@pytest.mark.django_db
def test_cumulative_increment_before_snapshot_is_not_added():
    base = _project("实训基地")
    counted_in_snapshot = _increment(
        OutcomeKind.TRAINEES,
        200,
        Unit.PERSON,
        period=(D(2020, 1, 1), D(2020, 12, 31)),
        project=base,
    )
    snapshot = _cumulative(
        OutcomeKind.TRAINEES, 1000, Unit.PERSON, as_of=D(2021, 6, 30), project=base
    )

    total = _only(outcome_totals(outcomes_in_scope(project_scope(base))))

    assert total.quantity == Decimal(1000)
    assert total.outcome_ids == [snapshot.id]
    assert total.superseded_ids == [counted_in_snapshot.id]


@pytest.mark.django_db
def test_cumulative_increment_overlapping_snapshot_is_not_added():
    # 2021年新增200人 ends after the snapshot of 30 June, but half of it is already inside it.
    base = _project("实训基地")
    snapshot = _cumulative(
        OutcomeKind.TRAINEES, 1000, Unit.PERSON, as_of=D(2021, 6, 30), project=base
    )
    overlapping = _increment(OutcomeKind.TRAINEES, 200, Unit.PERSON, period=YEAR_2021, project=base)

    total = _only(outcome_totals(outcomes_in_scope(project_scope(base))))

    assert total.quantity == Decimal(1000)
    assert total.outcome_ids == [snapshot.id]
    assert total.superseded_ids == [overlapping.id]


@pytest.mark.django_db
def test_cumulative_snapshot_known_to_the_year_covers_increments_of_that_year():
    # 截至2020年累计 (stored as 1 January 2020) may include the second half of 2020.
    base = _project("实训基地")
    snapshot = _saved(
        Outcome(
            basis=Basis.CUMULATIVE,
            as_of=D(2020, 1, 1),
            as_of_precision=DatePrecision.YEAR,
            state=PUBLISHED,
            **_figure(OutcomeKind.TRAINEES, 1000, Unit.PERSON, project=base),
        )
    )
    second_half = _increment(
        OutcomeKind.TRAINEES,
        200,
        Unit.PERSON,
        period=(D(2020, 7, 1), D(2020, 12, 31)),
        project=base,
    )
    next_year = _increment(OutcomeKind.TRAINEES, 300, Unit.PERSON, period=YEAR_2021, project=base)

    total = _only(outcome_totals(outcomes_in_scope(project_scope(base))))

    assert total.quantity == Decimal(1300)
    assert total.outcome_ids == [snapshot.id, next_year.id]
    assert total.superseded_ids == [second_half.id]


@pytest.mark.django_db
def test_cumulative_increments_without_snapshot_add_up():
    base = _project("实训基地")
    _increment(
        OutcomeKind.TRAINEES,
        120,
        Unit.PERSON,
        period=(D(2020, 1, 1), D(2020, 12, 31)),
        project=base,
    )
    _increment(OutcomeKind.TRAINEES, 80, Unit.PERSON, period=YEAR_2021, project=base)

    total = _only(outcome_totals(outcomes_in_scope(project_scope(base))))

    assert total.quantity == Decimal(200)
    assert total.superseded_ids == []
    assert total.method == "Sum of the figures listed."


@pytest.mark.django_db
def test_cumulative_figures_of_different_projects_add_up_in_district_total():
    _cumulative(
        OutcomeKind.TALENTS,
        40,
        Unit.PERSON,
        as_of=D(2020, 12, 31),
        project=_project("大数据产业园"),
    )
    _cumulative(
        OutcomeKind.TALENTS, 25, Unit.PERSON, as_of=D(2021, 12, 31), project=_project("农业科技园")
    )

    total = _only(_district_totals())

    assert total.quantity == Decimal(65)
    assert total.superseded_ids == []


def _row(id_, quantity, *, basis, effective_on, period_start=None):
    """A figure row as `combine` receives it, for dates the model's validation never allows."""
    return {
        "id": id_,
        "form": OutcomeForm.REPORTED,
        "kind": OutcomeKind.TRAINEES,
        "unit": Unit.PERSON,
        "quantity": Decimal(quantity),
        "qualifier": Qualifier.EXACT,
        "basis": basis,
        "district_id": 1,
        "project__field": Field.EDUCATION,
        "patent_type": "",
        "patent_status": "",
        "standard_level": "",
        "enterprise_category": "",
        "project_id": 7,
        "agreement_id": None,
        "institution_id": None,
        "enterprise_id": None,
        "period_start": period_start,
        "effective_on": effective_on,
        "effective_precision": DatePrecision.DAY,
    }


def test_combine_undated_increment_is_not_added_to_snapshot():
    # An increment with no date at all (imported without period or source date) cannot be
    # placed after the snapshot: adding it could count its people twice.
    rows = [
        _row(1, 1000, basis=Basis.CUMULATIVE, effective_on=D(2021, 6, 30)),
        _row(2, 200, basis=Basis.INCREMENT, effective_on=None),
    ]

    total = _only(combine(rows))

    assert total.quantity == Decimal(1000)
    assert total.superseded_ids == [2]


def test_combine_undated_increments_without_snapshot_add_up():
    rows = [
        _row(1, 120, basis=Basis.INCREMENT, effective_on=None),
        _row(2, 80, basis=Basis.INCREMENT, effective_on=D(2021, 12, 31)),
    ]

    total = _only(combine(rows))

    assert total.quantity == Decimal(200)
    assert total.outcome_ids == [1, 2]


# --- Rule 2: never sum across units; money is an exact Decimal ------------------------------


@pytest.mark.django_db
def test_units_yuan_and_yuan_per_month_are_never_summed():
    park = _project("电商产业园")
    _cumulative(OutcomeKind.REVENUE, "68000000", Unit.YUAN, as_of=D(2021, 5, 31), project=park)
    _cumulative(
        OutcomeKind.REVENUE, "500000", Unit.YUAN_PER_MONTH, as_of=D(2021, 5, 31), project=park
    )

    totals = outcome_totals(outcomes_in_scope(project_scope(park)))

    assert [(t.unit, t.quantity) for t in totals] == [
        (Unit.YUAN, Decimal("68000000")),
        (Unit.YUAN_PER_MONTH, Decimal("500000")),
    ]


@pytest.mark.django_db
def test_units_person_and_person_time_trainees_stay_separate():
    academy = _project("干部培训")
    _increment(OutcomeKind.TRAINEES, 20, Unit.PERSON, period=YEAR_2021, project=academy)
    _increment(OutcomeKind.TRAINEES, 1500, Unit.PERSON_TIME, period=YEAR_2021, project=academy)

    totals = outcome_totals(outcomes_in_scope(project_scope(academy)))

    assert [(t.unit, t.quantity) for t in totals] == [
        (Unit.PERSON, Decimal(20)),
        (Unit.PERSON_TIME, Decimal(1500)),
    ]


@pytest.mark.django_db
def test_units_money_stays_an_exact_decimal():
    _increment(
        OutcomeKind.ECONOMIC_BENEFIT,
        "0.10",
        Unit.YUAN,
        period=YEAR_2021,
        project=_project("节能改造"),
    )
    _increment(
        OutcomeKind.ECONOMIC_BENEFIT,
        "0.20",
        Unit.YUAN,
        period=YEAR_2021,
        project=_project("智能制造"),
    )

    total = _only(_district_totals())

    assert total.quantity == Decimal("0.30")
    assert isinstance(total.quantity, Decimal)


# --- Rule 3: the qualifier of a sum is the weakest of its parts -----------------------------

QUALIFIER_SUMS = [
    ((Qualifier.EXACT, Qualifier.MORE_THAN), Qualifier.MORE_THAN),
    ((Qualifier.EXACT, Qualifier.ABOUT), Qualifier.ABOUT),
    ((Qualifier.MORE_THAN, Qualifier.ABOUT), Qualifier.ABOUT),
    ((Qualifier.MORE_THAN, Qualifier.NEARLY), Qualifier.ABOUT),
    ((Qualifier.EXACT, Qualifier.NEARLY), Qualifier.NEARLY),
    ((Qualifier.EXACT, Qualifier.EXACT), Qualifier.EXACT),
]


@pytest.mark.parametrize(("parts", "expected"), QUALIFIER_SUMS)
def test_combine_qualifiers_takes_the_weakest(parts, expected):
    assert combine_qualifiers(parts) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("parts", "expected"), QUALIFIER_SUMS)
def test_outcome_totals_qualifier_is_the_weakest_of_its_parts(parts, expected):
    for number, qualifier in enumerate(parts):
        _increment(
            OutcomeKind.TALENTS,
            10,
            Unit.PERSON,
            period=YEAR_2021,
            qualifier=qualifier,
            project=_project(f"人才项目{number}"),
        )

    total = _only(_district_totals())

    assert total.quantity == Decimal(20)
    assert total.qualifier == expected


@pytest.mark.django_db
def test_outcome_totals_qualifier_of_superseded_snapshot_does_not_count():
    base = _project("实训基地")
    _cumulative(
        OutcomeKind.TRAINEES,
        300,
        Unit.PERSON,
        as_of=D(2020, 12, 31),
        qualifier=Qualifier.MORE_THAN,
        project=base,
    )
    _cumulative(OutcomeKind.TRAINEES, 500, Unit.PERSON, as_of=D(2021, 12, 31), project=base)

    total = _only(outcome_totals(outcomes_in_scope(project_scope(base))))

    assert total.qualifier == Qualifier.EXACT


# --- Rule 4: itemised and reported patents are not double-counted ---------------------------


@pytest.mark.django_db
def test_reported_patent_count_covers_itemised_patents_of_same_scope():
    lab = _project("联合实验室")
    reported = _cumulative(
        OutcomeKind.PATENT,
        3,
        Unit.ITEM,
        as_of=D(2021, 5, 31),
        patent_type=PatentType.UTILITY_MODEL,
        project=lab,
    )
    items = [
        _itemised(OutcomeKind.PATENT, title, patent_type=PatentType.UTILITY_MODEL, project=lab)
        for title in ("一种土壤检测装置", "一种智能灌溉装置")
    ]

    total = _only(outcome_totals(outcomes_in_scope(project_scope(lab))))

    assert total.quantity == Decimal(3)
    assert total.outcome_ids == [reported.id]
    assert total.covered_item_ids == [item.id for item in items]
    assert total.method == "Reported figures; 2 itemised records are covered by them, not added."


@pytest.mark.django_db
def test_itemised_patents_without_reported_count_count_one_each():
    lab = _project("联合实验室")
    items = [
        _itemised(OutcomeKind.PATENT, title, patent_type=PatentType.INVENTION, project=lab)
        for title in ("一种数据压缩方法", "一种图像识别方法")
    ]

    total = _only(outcome_totals(outcomes_in_scope(project_scope(lab))))

    assert total.quantity == Decimal(2)
    assert total.outcome_ids == [item.id for item in items]
    assert total.covered_item_ids == []


@pytest.mark.django_db
def test_reported_count_does_not_cover_itemised_patents_of_another_scope():
    _cumulative(
        OutcomeKind.PATENT, 3, Unit.ITEM, as_of=D(2021, 5, 31), project=_project("联合实验室")
    )
    elsewhere = _project("农业示范基地", field=Field.MODERN_AGRICULTURE)
    for title in ("一种育苗盘", "一种施肥机"):
        _itemised(
            OutcomeKind.PATENT, title, patent_type=PatentType.UTILITY_MODEL, project=elsewhere
        )

    total = _only(_district_totals())

    assert total.quantity == Decimal(5)
    assert total.covered_item_ids == []


@pytest.mark.django_db
def test_reported_count_without_patent_type_covers_itemised_patents_of_same_scope():
    lab = _project("联合实验室")
    reported = _cumulative(OutcomeKind.PATENT, 3, Unit.ITEM, as_of=D(2021, 5, 31), project=lab)
    item = _itemised(
        OutcomeKind.PATENT, "一种数据压缩方法", patent_type=PatentType.INVENTION, project=lab
    )

    total = _only(outcome_totals(outcomes_in_scope(project_scope(lab))))

    assert total.quantity == Decimal(3)
    assert total.outcome_ids == [reported.id]
    assert total.covered_item_ids == [item.id]


@pytest.mark.django_db
def test_reported_count_lists_covered_items_when_grouped_by_category():
    # The items fall in another category than the untyped count: they must still be listed
    # beside the figure that covers them, not vanish with a group of their own.
    lab = _project("联合实验室")
    reported = _cumulative(OutcomeKind.PATENT, 3, Unit.ITEM, as_of=D(2021, 5, 31), project=lab)
    item = _itemised(
        OutcomeKind.PATENT, "一种数据压缩方法", patent_type=PatentType.INVENTION, project=lab
    )

    total = _only(outcome_totals(outcomes_in_scope(project_scope(lab)), by=("category",)))

    assert total.group == {"kind": OutcomeKind.PATENT, "unit": Unit.ITEM, "category": ""}
    assert total.quantity == Decimal(3)
    assert total.outcome_ids == [reported.id]
    assert total.covered_item_ids == [item.id]


@pytest.mark.django_db
def test_reported_method_names_both_covered_items_and_superseded_snapshots():
    lab = _project("联合实验室")
    _cumulative(OutcomeKind.PATENT, 2, Unit.ITEM, as_of=D(2020, 12, 31), project=lab)
    _cumulative(OutcomeKind.PATENT, 3, Unit.ITEM, as_of=D(2021, 12, 31), project=lab)
    _itemised(OutcomeKind.PATENT, "一种数据压缩方法", patent_type=PatentType.INVENTION, project=lab)

    total = _only(outcome_totals(outcomes_in_scope(project_scope(lab))))

    assert total.quantity == Decimal(3)
    assert total.method == (
        "Reported figures; 1 itemised records are covered by them, not added. "
        "Latest cumulative figures; earlier snapshots are not added."
    )


# --- Rule 5: drafts never count in public ---------------------------------------------------


@pytest.mark.django_db
def test_public_totals_exclude_draft_outcomes():
    base = _project("实训基地")
    published = _increment(OutcomeKind.TRAINEES, 10, Unit.PERSON, period=YEAR_2021, project=base)
    _increment(OutcomeKind.TRAINEES, 99, Unit.PERSON, period=YEAR_2021, project=base, state=DRAFT)

    total = _only(_district_totals(public=True))

    assert total.quantity == Decimal(10)
    assert total.outcome_ids == [published.id]


@pytest.mark.django_db
@pytest.mark.parametrize("draft_record", ["project", "agreement", "enterprise", "institution"])
def test_public_totals_exclude_published_outcomes_of_draft_records(draft_record):
    makers = {
        "project": lambda: _project("未发布项目", state=DRAFT),
        "agreement": lambda: _agreement("未发布协议", state=DRAFT),
        "enterprise": lambda: _enterprise("未发布企业", state=DRAFT),
        "institution": lambda: _institution("未发布大学", state=DRAFT),
    }
    _increment(
        OutcomeKind.TALENTS, 10, Unit.PERSON, period=YEAR_2021, project=_project("已发布项目")
    )
    hidden = _increment(
        OutcomeKind.TALENTS,
        99,
        Unit.PERSON,
        period=YEAR_2021,
        **{draft_record: makers[draft_record]()},
    )

    public_total = _only(_district_totals(public=True))
    internal_total = _only(_district_totals(public=False))

    assert public_total.quantity == Decimal(10)
    assert hidden.id not in public_total.outcome_ids
    assert internal_total.quantity == Decimal(109)


@pytest.mark.django_db
def test_public_false_includes_draft_outcomes():
    base = _project("实训基地", state=DRAFT)
    _increment(OutcomeKind.TRAINEES, 10, Unit.PERSON, period=YEAR_2021, project=base)
    _increment(OutcomeKind.TRAINEES, 5, Unit.PERSON, period=YEAR_2021, project=base, state=DRAFT)

    assert _only(_district_totals(public=False)).quantity == Decimal(15)
    assert _district_totals(public=True) == []


# --- Rule 6 (scopes): which outcomes count for a record -------------------------------------


@pytest.mark.django_db
def test_institution_scope_includes_sub_units_projects_and_agreements():
    university = _institution("山西大学")
    college = _institution("计算机学院", parent=university)
    other = _institution("山西农业大学")

    def talents(quantity, **attribution):
        return _increment(
            OutcomeKind.TALENTS, quantity, Unit.PERSON, period=YEAR_2021, **attribution
        )

    own = talents(1, institution=university)
    sub_unit = talents(2, institution=college)
    project = talents(4, project=_project("大数据研究院", institutions=[college]))
    agreement = talents(8, agreement=_agreement("战略合作协议", parties=[university]))
    talents(16, institution=other)
    talents(32, project=_project("农业示范基地", institutions=[other]))

    total = _only(outcome_totals(outcomes_in_scope(institution_scope(university))))

    assert total.quantity == Decimal(15)
    assert total.outcome_ids == [own.id, sub_unit.id, project.id, agreement.id]


@pytest.mark.django_db
def test_agreement_scope_includes_phases_and_projects():
    framework = _agreement("同济大学共建协议（一期）")
    phase = _agreement("同济大学共建协议（二期）", part_of=framework)

    def experts(quantity, **attribution):
        return _increment(
            OutcomeKind.EXPERTS, quantity, Unit.PERSON, period=YEAR_2021, **attribution
        )

    own = experts(1, agreement=framework)
    of_phase = experts(2, agreement=phase)
    of_project = experts(4, project=_project("同济创新基地", agreement=phase))
    experts(8, agreement=_agreement("其他协议"))

    total = _only(outcome_totals(outcomes_in_scope(agreement_scope(framework))))

    assert total.quantity == Decimal(7)
    assert total.outcome_ids == [own.id, of_phase.id, of_project.id]


@pytest.mark.django_db
def test_project_scope_includes_sub_projects():
    base = _project("双创基地")
    sub_project = _project("孵化器", part_of=base)
    own = _increment(
        OutcomeKind.ENTERPRISES_CULTIVATED, 3, Unit.ENTERPRISE, period=YEAR_2021, project=base
    )
    of_sub = _increment(
        OutcomeKind.ENTERPRISES_CULTIVATED,
        4,
        Unit.ENTERPRISE,
        period=YEAR_2021,
        project=sub_project,
    )
    _increment(
        OutcomeKind.ENTERPRISES_CULTIVATED,
        8,
        Unit.ENTERPRISE,
        period=YEAR_2021,
        project=_project("其他项目"),
    )

    total = _only(outcome_totals(outcomes_in_scope(project_scope(base))))

    assert total.quantity == Decimal(7)
    assert total.outcome_ids == [own.id, of_sub.id]


@pytest.mark.django_db
def test_enterprise_scope_includes_its_projects_and_agreements():
    company = _enterprise("山西某科技有限公司")
    project = _project("产学研项目")
    _saved(ProjectEnterprise(project=project, enterprise=company, role=PartyRole.ENTERPRISE))
    agreement = _agreement("校企合作协议")
    _saved(AgreementEnterprise(agreement=agreement, enterprise=company, role=PartyRole.PARTNER))
    _increment(OutcomeKind.REVENUE, 1, Unit.YUAN, period=YEAR_2021, enterprise=company)
    _increment(OutcomeKind.REVENUE, 2, Unit.YUAN, period=YEAR_2021, project=project)
    _increment(OutcomeKind.REVENUE, 4, Unit.YUAN, period=YEAR_2021, agreement=agreement)
    _increment(
        OutcomeKind.REVENUE, 8, Unit.YUAN, period=YEAR_2021, enterprise=_enterprise("另一家公司")
    )

    total = _only(outcome_totals(outcomes_in_scope(enterprise_scope(company))))

    assert total.quantity == Decimal(7)


@pytest.mark.django_db
def test_scope_matched_through_two_joins_counts_once():
    university = _institution("山西大学")
    college = _institution("计算机学院", parent=university)
    agreement = _agreement("战略合作协议", parties=[university, college])
    project = _project("大数据研究院", institutions=[university, college])
    outcome = _increment(
        OutcomeKind.TALENTS,
        10,
        Unit.PERSON,
        period=YEAR_2021,
        project=project,
        agreement=agreement,
        institution=college,
    )

    in_scope = outcomes_in_scope(institution_scope(university))
    total = _only(outcome_totals(in_scope))

    assert list(in_scope.values_list("id", flat=True)) == [outcome.id]
    assert total.quantity == Decimal(10)
    assert total.outcome_ids == [outcome.id]


# --- Rule 7 (grouping): year, field, institution --------------------------------------------


@pytest.mark.django_db
def test_group_by_year_dates_undated_cumulative_by_its_source():
    _cumulative(
        OutcomeKind.TALENTS,
        40,
        Unit.PERSON,
        source=_source(D(2019, 5, 1)),
        project=_project("大数据产业园"),
    )
    _cumulative(
        OutcomeKind.TALENTS,
        25,
        Unit.PERSON,
        as_of=D(2021, 12, 31),
        source=_source(D(2022, 3, 1)),
        project=_project("农业科技园"),
    )

    totals = _district_totals(by=("year",))

    assert [(t.group["year"], t.quantity) for t in totals] == [
        (2019, Decimal(40)),
        (2021, Decimal(25)),
    ]


@pytest.mark.django_db
def test_group_by_field_separates_fields():
    _increment(
        OutcomeKind.TALENTS,
        10,
        Unit.PERSON,
        period=YEAR_2021,
        project=_project("大数据产业园", field=Field.BIG_DATA_IT),
    )
    _increment(
        OutcomeKind.TALENTS,
        5,
        Unit.PERSON,
        period=YEAR_2021,
        project=_project("农业科技园", field=Field.MODERN_AGRICULTURE),
    )

    totals = _district_totals(by=("field",))

    assert [(t.group["field"], t.quantity) for t in totals] == [
        (Field.BIG_DATA_IT, Decimal(10)),
        (Field.MODERN_AGRICULTURE, Decimal(5)),
    ]


@pytest.mark.django_db
def test_group_by_field_puts_outcomes_without_project_last():
    _increment(
        OutcomeKind.TALENTS, 1, Unit.PERSON, period=YEAR_2021, institution=_institution("山西大学")
    )
    _increment(
        OutcomeKind.TALENTS,
        5,
        Unit.PERSON,
        period=YEAR_2021,
        project=_project("农业科技园", field=Field.MODERN_AGRICULTURE),
    )
    _increment(
        OutcomeKind.TALENTS,
        10,
        Unit.PERSON,
        period=YEAR_2021,
        project=_project("大数据产业园", field=Field.BIG_DATA_IT),
    )

    totals = _district_totals(by=("field",))

    assert [(t.group["field"], t.quantity) for t in totals] == [
        (Field.BIG_DATA_IT, Decimal(10)),
        (Field.MODERN_AGRICULTURE, Decimal(5)),
        (None, Decimal(1)),
    ]


@pytest.mark.django_db
def test_group_by_institution_expands_outcome_of_project_with_two_institutions():
    shanxi = _institution("山西大学")
    tongji = _institution("同济大学")
    outcome = _increment(
        OutcomeKind.TALENTS,
        10,
        Unit.PERSON,
        period=YEAR_2021,
        project=_project("联合研究院", institutions=[shanxi, tongji]),
    )

    totals = _district_totals(by=("institution",))

    assert [(t.group["institution"], t.quantity, t.outcome_ids) for t in totals] == [
        (shanxi.id, Decimal(10), [outcome.id]),
        (tongji.id, Decimal(10), [outcome.id]),
    ]


@pytest.mark.django_db
def test_group_by_institution_counts_sub_unit_work_for_its_university():
    university = _institution("山西大学")
    college = _institution("计算机学院", parent=university)
    _increment(OutcomeKind.TALENTS, 3, Unit.PERSON, period=YEAR_2021, institution=college)
    _increment(
        OutcomeKind.TALENTS,
        4,
        Unit.PERSON,
        period=YEAR_2021,
        project=_project("大数据研究院", institutions=[college]),
    )

    total = _only(_district_totals(by=("institution",)))

    assert total.group["institution"] == university.id
    assert total.quantity == Decimal(7)


@pytest.mark.django_db
def test_group_by_institution_keeps_outcomes_without_institution():
    university = _institution("山西大学")
    _increment(OutcomeKind.TALENTS, 3, Unit.PERSON, period=YEAR_2021, institution=university)
    alone = _increment(
        OutcomeKind.TALENTS,
        4,
        Unit.PERSON,
        period=YEAR_2021,
        enterprise=_enterprise("山西某科技有限公司"),
    )

    totals = _district_totals(by=("institution",))

    assert [(t.group["institution"], t.quantity) for t in totals] == [
        (university.id, Decimal(3)),
        (None, Decimal(4)),
    ]
    assert totals[1].outcome_ids == [alone.id]


@pytest.mark.django_db
def test_group_by_institution_keeps_reported_count_covering_items_in_each_institution():
    shanxi = _institution("山西大学")
    tongji = _institution("同济大学")
    lab = _project("联合实验室", institutions=[shanxi, tongji])
    reported = _cumulative(OutcomeKind.PATENT, 3, Unit.ITEM, as_of=D(2021, 5, 31), project=lab)
    item = _itemised(
        OutcomeKind.PATENT, "一种数据压缩方法", patent_type=PatentType.INVENTION, project=lab
    )

    totals = _district_totals(by=("institution",))

    assert [
        (t.group["institution"], t.quantity, t.outcome_ids, t.covered_item_ids) for t in totals
    ] == [
        (shanxi.id, Decimal(3), [reported.id], [item.id]),
        (tongji.id, Decimal(3), [reported.id], [item.id]),
    ]


@pytest.mark.django_db
def test_intellectual_property_total_sums_patents_and_software_copyrights_only():
    lab = _project("联合实验室")
    _cumulative(
        OutcomeKind.PATENT,
        20,
        Unit.ITEM,
        as_of=D(2021, 5, 31),
        project=lab,
        qualifier=Qualifier.MORE_THAN,
    )
    _cumulative(OutcomeKind.SOFTWARE_COPYRIGHT, 6, Unit.ITEM, as_of=D(2021, 5, 31), project=lab)
    _cumulative(OutcomeKind.STANDARD, 2, Unit.ITEM, as_of=D(2021, 5, 31), project=lab)

    total = intellectual_property_total(_district_totals())

    assert total.quantity == Decimal(26)
    assert total.qualifier == Qualifier.MORE_THAN
    assert total.unit == Unit.ITEM


def test_intellectual_property_total_without_patents_or_copyrights_is_none():
    standards = Total(
        kind=OutcomeKind.STANDARD, unit=Unit.ITEM, quantity=Decimal(2), qualifier=Qualifier.EXACT
    )

    assert intellectual_property_total([standards]) is None


# --- Rule 8 (targets): beside achievements, never inside them -------------------------------


@pytest.mark.django_db
def test_target_progress_puts_achievement_beside_target():
    programme = _project("校长培训计划", field=Field.EDUCATION)
    target = _target(
        OutcomeKind.TRAINEES, 20, Unit.PERSON, project=programme, description="培养20名校长"
    )
    achieved = _increment(
        OutcomeKind.TRAINEES, 12, Unit.PERSON, period=YEAR_2021, project=programme
    )
    _increment(OutcomeKind.TRAINEES, 300, Unit.PERSON_TIME, period=YEAR_2021, project=programme)
    _increment(OutcomeKind.TRAINEES, 7, Unit.PERSON, period=YEAR_2021, project=_project("其他培训"))

    [progress] = target_progress(targets_in_scope(project_scope(programme)))

    assert progress.target == target
    assert progress.achieved.quantity == Decimal(12)
    assert progress.achieved.outcome_ids == [achieved.id]


@pytest.mark.django_db
def test_target_progress_without_achievement_is_none():
    programme = _project("校长培训计划", field=Field.EDUCATION)
    _target(OutcomeKind.TRAINEES, 20, Unit.PERSON, project=programme)

    [progress] = target_progress(targets_in_scope(project_scope(programme)))

    assert progress.achieved is None


@pytest.mark.django_db
def test_target_progress_counts_only_what_was_done_in_the_plans_period():
    programme = _project("十四五人才计划", field=Field.EDUCATION)
    _target(
        OutcomeKind.TALENTS,
        50,
        Unit.PERSON,
        project=programme,
        period_start=D(2021, 1, 1),
        due_on=D(2025, 12, 31),
    )
    _increment(
        OutcomeKind.TALENTS,
        30,
        Unit.PERSON,
        period=(D(2019, 1, 1), D(2019, 12, 31)),
        project=programme,
    )
    in_period = _increment(OutcomeKind.TALENTS, 8, Unit.PERSON, period=YEAR_2021, project=programme)

    [progress] = target_progress(targets_in_scope(project_scope(programme)))

    assert progress.achieved.quantity == Decimal(8)
    assert progress.achieved.outcome_ids == [in_period.id]


@pytest.mark.django_db
def test_targets_never_appear_in_outcome_totals():
    programme = _project("校长培训计划", field=Field.EDUCATION)
    _target(OutcomeKind.TRAINEES, 20, Unit.PERSON, project=programme)
    achieved = _increment(
        OutcomeKind.TRAINEES, 12, Unit.PERSON, period=YEAR_2021, project=programme
    )

    total = _only(_district_totals())

    assert total.quantity == Decimal(12)
    assert total.outcome_ids == [achieved.id]


# --- Query count: constant whatever the number of outcomes ----------------------------------


def _queries_for_totals(by) -> int:
    queryset = Outcome.objects.public().filter(district=_district())
    with CaptureQueriesContext(connection) as queries:
        outcome_totals(queryset, by=by)
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("by", [(), ("institution",)], ids=["ungrouped", "by_institution"])
def test_outcome_totals_query_count_does_not_grow_with_outcomes(by):
    university = _institution("山西大学")
    college = _institution("计算机学院", parent=university)

    def one_more(number):
        project = _project(
            f"合作项目{number}",
            institutions=[college],
            agreement=_agreement(f"协议{number}", parties=[university]),
        )
        _increment(OutcomeKind.TALENTS, 10, Unit.PERSON, period=YEAR_2021, project=project)

    one_more(1)
    with_one = _queries_for_totals(by)
    one_more(2)
    one_more(3)
    with_three = _queries_for_totals(by)

    assert with_one == with_three
