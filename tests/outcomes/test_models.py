"""Outcomes and targets: identifiers derive what they imply, figures keep their meaning."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from companies.models import Enterprise
from outcomes.choices import Basis, OutcomeForm, OutcomeKind, PatentType, StandardLevel, Unit
from outcomes.models import Outcome, Target
from partnerships.choices import Field, ProjectKind, PublicationState, Qualifier
from partnerships.models import District, Project, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def district():
    return District.objects.create(code="140105", name="小店区")


@pytest.fixture
def source():
    return Source.objects.create(title="省校合作凝智聚力")


@pytest.fixture
def project(district):
    return Project.objects.create(
        title="产学研合作项目",
        district=district,
        kind=ProjectKind.IUR_PROJECT,
        field=Field.BIG_DATA_IT,
        state=PublicationState.PUBLISHED,
    )


def make_outcome(district, source, project, **fields) -> Outcome:
    values = {
        "district": district,
        "source": source,
        "project": project,
        "source_passage": "新增知识产权48项",
        "kind": OutcomeKind.PATENT,
        "unit": Unit.ITEM,
        "quantity": Decimal(1),
        "basis": Basis.CUMULATIVE,
    } | fields
    return Outcome(**values)


def test_patent_number_is_normalised_and_gives_its_type(district, source, project):
    outcome = make_outcome(
        district, source, project, form=OutcomeForm.ITEM, patent_number="ZL 201910197190．3"
    )
    outcome.full_clean()
    assert (outcome.patent_number, outcome.patent_type) == ("201910197190.3", "invention")
    assert outcome.patent_filing_year == 2019


def test_patent_number_contradicting_the_chosen_type_is_rejected(district, source, project):
    outcome = make_outcome(
        district,
        source,
        project,
        form=OutcomeForm.ITEM,
        patent_number="202020411840.8",
        patent_type=PatentType.INVENTION,
    )
    with pytest.raises(ValidationError) as error:
        outcome.full_clean()
    assert list(error.value.message_dict) == ["patent_type"]


def test_patent_number_with_wrong_check_digit_is_rejected(district, source, project):
    outcome = make_outcome(
        district, source, project, form=OutcomeForm.ITEM, patent_number="201810495832.X"
    )
    with pytest.raises(ValidationError) as error:
        outcome.full_clean()
    assert list(error.value.message_dict) == ["patent_number"]


def test_standard_number_gives_its_level(district, source, project):
    outcome = make_outcome(
        district,
        source,
        project,
        kind=OutcomeKind.STANDARD,
        form=OutcomeForm.ITEM,
        standard_number="DB14/T 2544—2022",
    )
    outcome.full_clean()
    assert (outcome.standard_number, outcome.standard_level) == (
        "DB14/T 2544-2022",
        StandardLevel.LOCAL,
    )


def test_itemised_record_counts_exactly_one(district, source, project):
    outcome = make_outcome(
        district,
        source,
        project,
        form=OutcomeForm.ITEM,
        title="一种差压的果蔬箱",
        quantity=2,
        patent_type=PatentType.UTILITY_MODEL,
    )
    with pytest.raises(ValidationError) as error:
        outcome.full_clean()
    assert list(error.value.message_dict) == ["quantity"]
    with pytest.raises(IntegrityError), transaction.atomic():
        outcome.save()


def test_unit_must_suit_the_kind(district, source, project):
    outcome = make_outcome(
        district, source, project, kind=OutcomeKind.REVENUE, unit=Unit.PERSON, quantity=7
    )
    with pytest.raises(ValidationError) as error:
        outcome.full_clean()
    assert list(error.value.message_dict) == ["unit"]


def test_money_is_kept_as_exact_decimal_yuan(district, source, project):
    outcome = make_outcome(
        district,
        source,
        project,
        kind=OutcomeKind.ECONOMIC_BENEFIT,
        unit=Unit.YUAN,
        quantity=Decimal("68000000.10"),
        qualifier=Qualifier.MORE_THAN,
        reported_text="6800多万元",
    )
    outcome.full_clean()
    outcome.save()
    outcome.refresh_from_db()
    assert outcome.quantity == Decimal("68000000.10")


def test_negative_quantity_is_rejected(district, source, project):
    outcome = make_outcome(
        district, source, project, kind=OutcomeKind.REVENUE, unit=Unit.YUAN, quantity=-5
    )
    with pytest.raises(ValidationError) as error:
        outcome.full_clean()
    assert "quantity" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        outcome.save()


def test_outcome_needs_an_attribution(district, source):
    outcome = make_outcome(district, source, None)
    with pytest.raises(ValidationError) as error:
        outcome.full_clean()
    assert "project" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        outcome.save()


def test_increment_needs_a_period_and_cumulative_has_none(district, source, project):
    increment = make_outcome(
        district,
        source,
        project,
        kind=OutcomeKind.REVENUE,
        unit=Unit.YUAN,
        quantity=100,
        basis=Basis.INCREMENT,
    )
    with pytest.raises(ValidationError) as error:
        increment.full_clean()
    assert list(error.value.message_dict) == ["period_start"]
    cumulative = make_outcome(
        district,
        source,
        project,
        kind=OutcomeKind.REVENUE,
        unit=Unit.YUAN,
        quantity=100,
        period_start=datetime.date(2018, 1, 1),
        period_start_precision="year",
    )
    with pytest.raises(ValidationError) as error:
        cumulative.full_clean()
    assert "basis" in error.value.message_dict


def test_outcome_needs_its_source_passage(district, source, project):
    outcome = make_outcome(district, source, project, quantity=20, source_passage=" ")
    with pytest.raises(ValidationError) as error:
        outcome.full_clean()
    assert list(error.value.message_dict) == ["source_passage"]


def test_outcome_of_another_districts_enterprise_is_rejected(district, source):
    other = District.objects.create(code="140106", name="迎泽区")
    enterprise = Enterprise.objects.create(name="别区企业", district=other)
    outcome = make_outcome(district, source, None, enterprise=enterprise, quantity=3)
    with pytest.raises(ValidationError) as error:
        outcome.full_clean()
    assert list(error.value.message_dict) == ["enterprise"]


def test_public_outcomes_exclude_drafts_and_those_of_draft_records(district, source, project):
    published = make_outcome(district, source, project, quantity=20, state="published")
    published.save()
    make_outcome(district, source, project, quantity=9).save()  # a draft outcome
    draft_project = Project.objects.create(
        title="草稿项目", district=district, kind=ProjectKind.RD_COOPERATION, field=Field.OTHER
    )
    make_outcome(district, source, draft_project, quantity=7, state="published").save()
    assert list(Outcome.objects.public()) == [published]


def test_target_without_a_stated_number_has_quantity_zero(district, source):
    target = Target(
        district=district,
        source=source,
        source_passage="每年定向从华东师大引进高素质应届毕业生",
        kind=OutcomeKind.TALENTS,
        unit=Unit.PERSON,
        quantity=5,
        quantity_is_stated=False,
    )
    with pytest.raises(ValidationError) as error:
        target.full_clean()
    assert list(error.value.message_dict) == ["quantity"]
