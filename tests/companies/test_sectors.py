"""The GB/T 4754-2017 table shipped as data and loaded by a migration."""

import csv
from pathlib import Path

import pytest

import companies
from companies.models import Sector
from companies.validators import GBT4754_SECTION_DIVISIONS, validate_gbt4754_code

SECTORS_CSV = Path(companies.__file__).parent / "data" / "gbt4754_2017.csv"


def csv_rows() -> list[dict]:
    with SECTORS_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_sector_table_codes_all_validate():
    for row in csv_rows():
        validate_gbt4754_code(row["code"])


def test_sector_table_has_every_section_and_division():
    codes = [row["code"] for row in csv_rows()]

    sections = [code for code in codes if len(code) == 1]
    divisions = [code for code in codes if len(code) == 3]

    assert sections == list("ABCDEFGHIJKLMNOPQRST")
    assert divisions == [
        f"{section}{division:02d}"
        for section, numbers in GBT4754_SECTION_DIVISIONS.items()
        for division in numbers
    ]
    assert len(divisions) == 97


def test_sector_table_rows_are_unique_and_named():
    rows = csv_rows()

    assert len({row["code"] for row in rows}) == len(rows)
    assert [row["code"] for row in rows if not (row["name"] and row["name_en"])] == []


@pytest.mark.django_db
def test_sector_migration_loads_the_table():
    loaded = dict(Sector.objects.values_list("code", "name"))

    assert loaded == {row["code"]: row["name"] for row in csv_rows()}
    assert loaded["I65"] == "软件和信息技术服务业"
    assert loaded["M7540"] == "创业空间服务"
