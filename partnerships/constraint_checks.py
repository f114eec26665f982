"""The model constraints of full_clean(), decided without the database where Python can.

Django validates each CheckConstraint, and each UniqueConstraint with a condition, by asking the
database (`Q.check()`): a query in its own savepoint, three round trips per constraint and
record. An outcome has eleven such constraints, so a 5,000-row import spent most of its time
there. Every condition of the registry's models is a few plain lookups on the record's own
fields (`quantity >= 0`, `ends_on >= starts_on`, `patent_number <> ''`), which Python decides
with SQL's three-valued logic:
- a check constraint holds when its condition is true or unknown (NULL), as in SQL;
- a conditional unique constraint whose condition is false for the record cannot be violated;
  when it is true, one plain query looks for another record with the same values.
Anything else (another lookup, a related field, an expression) goes to Django as before, so the
answer is always Django's; only the way to it is shorter. A database error is never taken for a
violation here (AuditedModel.full_clean turns it into DatabaseBusy).
"""

import operator
from contextvars import ContextVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import CheckConstraint, F, Q, UniqueConstraint


class Undecided(Exception):
    """Python cannot evaluate this condition the way the database would."""


COMPARISONS = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def validate(constraint, model, instance, exclude, using) -> None:
    """Django's `constraint.validate()`, answered in Python when possible."""
    try:
        if isinstance(constraint, CheckConstraint):
            return check(constraint, instance, exclude)
        if isinstance(constraint, UniqueConstraint) and (
            constraint.condition is not None or UNIQUE_VALUES.get() is not None
        ):
            return unique(constraint, model, instance, exclude, using)
    except Undecided:
        pass
    return constraint.validate(model, instance, exclude=exclude, using=using)


def check(constraint, instance, exclude) -> None:
    if referenced(constraint.condition) & set(exclude or ()):
        return  # Django skips a constraint on a field that already failed
    if evaluate(constraint.condition, instance) is False:
        raise ValidationError(
            constraint.get_violation_error_message(), code=constraint.violation_error_code
        )


def unique(constraint, model, instance, exclude, using) -> None:
    if constraint.expressions or not constraint.fields or constraint.nulls_distinct is False:
        raise Undecided
    names = set(constraint.fields) | referenced(constraint.condition or Q())
    if names & set(exclude or ()):
        return
    fields = [model._meta.get_field(name) for name in constraint.fields]
    if any(field.generated for field in fields):
        raise Undecided
    values = tuple(getattr(instance, field.attname) for field in fields)
    if None in values:
        return  # NULL is distinct from every NULL
    if constraint.condition is not None:
        holds = evaluate(constraint.condition, instance)
        if holds is None:
            raise Undecided
        if not holds:
            return
    if not taken(constraint, model, fields, values, instance, using):
        return
    if constraint.condition is None and (
        constraint.violation_error_message == constraint.default_violation_error_message
    ):
        # Django's message for a plain unique constraint (filed under its field).
        message = instance.unique_error_message(model, constraint.fields)
        raise ValidationError(message, code=message.code)
    raise ValidationError(
        constraint.get_violation_error_message(), code=constraint.violation_error_code
    )


# Within an import: each unique constraint's values already in the database, read once per
# file instead of once per row (set by partnerships.spreadsheets.resources; rows of the file
# itself are compared there). A concurrent write the snapshot misses still meets the database's
# index.
UNIQUE_VALUES: ContextVar[dict | None] = ContextVar("unique_values", default=None)


def taken(constraint, model, fields, values: tuple, instance, using) -> bool:
    """Whether another record already has these values (and meets the condition)."""
    own = None if instance._state.adding else instance.pk
    records = model._default_manager.using(using)
    if constraint.condition is not None:
        records = records.filter(constraint.condition)
    known = UNIQUE_VALUES.get()
    if known is None:
        pairs = zip(fields, values, strict=True)
        others = records.filter(**{field.attname: value for field, value in pairs})
        return others.exclude(pk=own).exists() if own is not None else others.exists()
    key = (model, constraint.name)
    if key not in known:
        known[key] = {}
        attnames = [field.attname for field in fields]
        for pk, *row in records.values_list("pk", *attnames).iterator():
            known[key].setdefault(tuple(row), set()).add(pk)
    return bool(known[key].get(values, set()) - {own})


def referenced(condition: Q) -> set[str]:
    names = set()
    for child in condition.children:
        if isinstance(child, Q):
            names |= referenced(child)
        else:
            key, expected = child
            names.add(key.split("__")[0])
            if isinstance(expected, F):
                names.add(expected.name.split("__")[0])
    return names


def evaluate(condition: Q, instance) -> bool | None:
    """The condition for this record: True, False, or None for SQL's unknown (NULL)."""
    results = [
        evaluate(child, instance) if isinstance(child, Q) else lookup(child, instance)
        for child in condition.children
    ]
    if condition.connector == Q.AND:
        result = False if False in results else None if None in results else True
    else:
        result = True if True in results else None if None in results else False
    if condition.negated and result is not None:
        result = not result
    return result


def lookup(child: tuple, instance) -> bool | None:
    key, expected = child
    name, _, kind = key.partition("__")
    value = field_value(instance, name)
    if kind == "isnull":
        return (value is None) == bool(expected)
    if kind in ("", "exact") and expected is None:
        return value is None  # Django reads `field=None` as IS NULL (not `F(other)` that is NULL)
    if isinstance(expected, F):
        expected = field_value(instance, expected.name)
    elif hasattr(expected, "resolve_expression"):
        raise Undecided
    if value is None or expected is None:
        return None
    try:
        if kind in ("", "exact"):
            return same_kind(value, expected) and value == expected
        if kind == "in":
            if None in expected:
                raise Undecided
            return any(same_kind(value, item) and value == item for item in expected)
        if kind in COMPARISONS and same_kind(value, expected):
            return COMPARISONS[kind](value, expected)
    except TypeError:
        raise Undecided from None
    raise Undecided  # regex and other lookups: the database's own semantics


def same_kind(value, expected) -> bool:
    """True when Python compares the two as the database would: text with text, numbers with
    numbers (a value not yet converted by clean_fields() is left to the database)."""
    if isinstance(value, str) != isinstance(expected, str):
        raise Undecided
    return True


def field_value(instance, name: str):
    if "__" in name:
        raise Undecided
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        raise Undecided from None
    if not field.concrete or field.generated:
        raise Undecided
    value = getattr(instance, field.attname)
    if hasattr(value, "resolve_expression"):
        raise Undecided
    return value


def holds(condition: Q | None, instance) -> bool:
    """Whether a record meets a constraint's condition (no condition: always); a condition
    Python cannot decide counts as met."""
    if condition is None:
        return True
    try:
        return evaluate(condition, instance) is not False
    except Undecided:
        return True
