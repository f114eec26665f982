"""Load the GB/T 4754-2017 industry table shipped in companies/data/gbt4754_2017.csv.

The 20 sections, all 97 divisions, and the few groups and classes the registry's enterprises
use. No package publishes the classification, so the table is data in the repository; running
the migration again (or after the CSV grows) updates names in place, keyed on the code.
"""

import csv
from pathlib import Path

from django.db import migrations

from companies.validators import normalize_gbt4754_code, validate_gbt4754_code

SECTORS_CSV = Path(__file__).resolve().parent.parent / "data" / "gbt4754_2017.csv"


def read_sectors():
    with SECTORS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        # A bad code in the shipped table is a bug in the repository: fail the migration loudly.
        validate_gbt4754_code(row["code"])
        row["code"] = normalize_gbt4754_code(row["code"])
    return rows


def load_sectors(apps, schema_editor):
    Sector = apps.get_model("companies", "Sector")
    for row in read_sectors():
        Sector.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "name_en": row["name_en"]}
        )


def unload_sectors(apps, schema_editor):
    Sector = apps.get_model("companies", "Sector")
    Sector.objects.filter(code__in=[row["code"] for row in read_sectors()]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_sectors, unload_sectors),
    ]
