"""Constraints decided in Python give Django's answers (partnerships/constraint_checks.py).

full_clean() decides check constraints and conditional unique constraints in Python where it
can, instead of a query per constraint. Each record below breaks (or keeps) a constraint; the
errors must be exactly those of Django's own `Model.validate_constraints`, which asks the
database.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from outcomes.choices import Basis, OutcomeForm, OutcomeKind, Unit
from outcomes.models import Outcome, Target
from partnerships.choices import DatePrecision, Qualifier
from partnerships.models import Agreement, Institution
from tests import factories


def errors_of(validate) -> dict:
    try:
        validate()
    except ValidationError as error:
        return {field: sorted(messages) for field, messages in error.message_dict.items()}
    return {}


def djangos_errors(record, exclude=None) -> dict:
    return errors_of(lambda: models.Model.validate_constraints(record, exclude=exclude))


def our_errors(record, exclude=None) -> dict:
    return errors_of(lambda: record.validate_constraints(exclude=exclude))


PATENT = {
    "kind": OutcomeKind.PATENT,
    "form": OutcomeForm.ITEM,
    "quantity": Decimal(1),
    "unit": Unit.ITEM,
    "qualifier": Qualifier.EXACT,
    "title": "一种数据采集装置",
}


def patent(number: str) -> Outcome:
    return factories.make_outcome(**PATENT, patent_number=number)


def unsaved_outcome(**fields) -> Outcome:
    saved = factories.make_outcome()
    record = Outcome.objects.get(pk=saved.pk)
    record.pk, record._state.adding = None, True
    for name, value in fields.items():
        setattr(record, name, value)
    return record


CASES = {
    "a valid outcome": lambda: unsaved_outcome(),
    "a negative quantity": lambda: unsaved_outcome(quantity=Decimal(-5)),
    "an itemised record of 2 items": lambda: unsaved_outcome(
        form=OutcomeForm.ITEM, quantity=Decimal(2), unit=Unit.ITEM, qualifier=Qualifier.EXACT
    ),
    "an increment ending before it starts": lambda: unsaved_outcome(
        basis=Basis.INCREMENT,
        as_of=None,
        period_start=datetime.date(2023, 1, 1),
        period_end=datetime.date(2022, 1, 1),
    ),
    "a cumulative figure with a period": lambda: unsaved_outcome(
        period_start=datetime.date(2022, 1, 1), period_start_precision=DatePrecision.YEAR
    ),
    "a bad precision": lambda: unsaved_outcome(as_of_precision="week"),
    "a patent number already recorded": lambda: unsaved_outcome(
        **PATENT, patent_number=patent("202020411840.8").patent_number
    ),
    "a patent number of its own record": lambda: Outcome.objects.get(
        pk=patent("202020411840.8").pk
    ),
    "a target with a figure it does not state": lambda: unsaved_target(),
    "a top-level institution name already used": lambda: Institution(
        name=factories.make_institution().name, kind="university", district_id=1
    ),
    "a school code already used": lambda: Institution(
        name="新的学校",
        kind="university",
        school_code=factories.make_institution(school_code="4114010108").school_code,
        district_id=1,
    ),
    "an agreement part of itself": lambda: part_of_itself(),
}


def unsaved_target() -> Target:
    saved = factories.make_target()
    record = Target.objects.get(pk=saved.pk)
    record.pk, record._state.adding = None, True
    record.quantity_is_stated, record.quantity = False, Decimal(5)
    return record


def part_of_itself() -> Agreement:
    agreement = factories.make_agreement()
    agreement.part_of_id = agreement.pk
    return agreement


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_constraints_decided_in_python_give_djangos_answer(db, make):
    record = make()

    assert our_errors(record) == djangos_errors(record)


def test_constraints_on_a_field_that_already_failed_are_skipped_as_django_does(db):
    record = unsaved_outcome(quantity=Decimal(-5))

    assert our_errors(record, exclude={"quantity"}) == djangos_errors(record, exclude={"quantity"})
    assert "quantity" not in str(our_errors(record, exclude={"quantity"}))
