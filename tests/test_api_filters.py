"""Every field a client may want to select by has a filter (NetBox's test_missing_filters, cut
down): each foreign key as `<fk>_id`, each choice field by value, each date and time by range
(`signed_on` → `signed_after`/`signed_before`; `updated_at` → `updated_since`).

A field left out must be listed below with the reason, so that a new field without a filter
fails here instead of silently being unfilterable.
"""

import pytest
from django.db import models

from config.api_urls import router

# The precision of a partial date says how much of it is known; clients filter the date itself.
PRECISION = "the precision of a date: filter by the date's range"
FIRST_PUBLISHED = "bookkeeping for the deletions feed, which is how clients learn of it"
IGNORED = {
    "Source": {
        "published_on_precision": PRECISION,
        "district": "who may correct an uncited source: staff business, not in the API",
    },
    "Institution": {"first_published_at": FIRST_PUBLISHED},
    "Agreement": {
        "first_published_at": FIRST_PUBLISHED,
        "signed_on_precision": PRECISION,
        "starts_on_precision": PRECISION,
        "ends_on_precision": PRECISION,
    },
    "Project": {
        "first_published_at": FIRST_PUBLISHED,
        "starts_on_precision": PRECISION,
        "ends_on_precision": PRECISION,
        "opened_on_precision": PRECISION,
        "floor_area_qualifier": "qualifies the floor area figure; nobody selects projects by it",
        "funding_qualifier": "qualifies the funding figure; nobody selects projects by it",
    },
    "Enterprise": {"first_published_at": FIRST_PUBLISHED, "founded_on_precision": PRECISION},
    "Outcome": {
        "first_published_at": FIRST_PUBLISHED,
        "as_of_precision": PRECISION,
        "period_start_precision": PRECISION,
        "period_end_precision": PRECISION,
    },
    "Target": {
        "first_published_at": FIRST_PUBLISHED,
        "due_on_precision": PRECISION,
        "period_start_precision": PRECISION,
    },
}


def expected_filters(field) -> list[str]:
    if isinstance(field, models.ForeignKey):
        return [f"{field.name}_id"]
    if field.choices:
        return [field.name]
    if field.name == "updated_at":
        return ["updated_since"]
    if isinstance(field, models.DateField):  # DateTimeField is a DateField too
        stem = field.name.removesuffix("_on").removesuffix("_at")
        return [f"{stem}_after", f"{stem}_before"]
    return []


FILTERSETS = [viewset.filterset_class for _prefix, viewset, _basename in router.registry]


@pytest.mark.parametrize("filterset", FILTERSETS, ids=lambda f: f.__name__)
def test_every_foreign_key_choice_and_date_has_a_filter(filterset):
    model = filterset._meta.model
    ignored = IGNORED.get(model.__name__, {})
    missing = [
        name
        for field in model._meta.concrete_fields
        if field.name not in ignored
        for name in expected_filters(field)
        if name not in filterset.base_filters
    ]
    assert missing == []


@pytest.mark.parametrize("filterset", FILTERSETS, ids=lambda f: f.__name__)
def test_the_ignore_list_names_real_fields_only(filterset):
    model = filterset._meta.model
    names = {field.name for field in model._meta.concrete_fields}
    assert set(IGNORED.get(model.__name__, {})) - names == set()


def test_the_filterset_names_follow_their_models():
    assert [f.__name__ for f in FILTERSETS] == [
        f"{f._meta.model.__name__}FilterSet" for f in FILTERSETS
    ]


def indexed(model, field_name: str) -> bool:
    """A column the database can find rows by without a full scan."""
    field = model._meta.get_field(field_name)
    if field.primary_key or field.unique or field.db_index or isinstance(field, models.ForeignKey):
        return True
    leading = [index.fields[0].lstrip("-") for index in model._meta.indexes if index.fields]
    leading += [c.fields[0] for c in model._meta.constraints if getattr(c, "fields", None)]
    return field_name in leading


@pytest.mark.parametrize("filterset", FILTERSETS, ids=lambda f: f.__name__)
def test_every_filtered_column_is_indexed(filterset):
    model = filterset._meta.model
    concrete = {field.name for field in model._meta.concrete_fields}
    unindexed = sorted(
        {
            f.field_name
            for f in filterset.base_filters.values()
            if f.field_name in concrete and not indexed(model, f.field_name)
        }
    )
    assert unindexed == []
