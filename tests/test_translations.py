"""The back office is Chinese: every label our models show staff has a zh-hans translation."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

CATALOG = Path(__file__).resolve().parent.parent / "locale/zh_Hans/LC_MESSAGES/django.po"
# Labels that read the same in both languages.
SAME_IN_BOTH = {"ROR id"}


def model_labels():
    for app_label in ("partnerships", "companies", "outcomes"):
        for model in apps.get_app_config(app_label).get_models():
            yield model._meta.verbose_name
            yield model._meta.verbose_name_plural
            for field in model._meta.get_fields():
                if hasattr(field, "verbose_name") and not field.auto_created:
                    yield field.verbose_name
                for _value, label in getattr(field, "choices", None) or []:
                    yield label


def test_every_model_label_is_translated_to_chinese():
    untranslated = set()
    for label in model_labels():
        with translation.override("en"):
            english = str(label)
        with translation.override("zh-hans"):
            chinese = str(label)
        if english == chinese and english not in SAME_IN_BOTH:
            untranslated.add(english)
    assert sorted(untranslated) == []


MSGATTRIB = shutil.which("msgattrib")


@pytest.mark.skipif(MSGATTRIB is None, reason="gettext tools not installed")
def test_catalog_has_no_fuzzy_or_untranslated_entries():
    untranslated = subprocess.run(  # noqa: S603 - fixed arguments
        [MSGATTRIB, "--untranslated", "--no-obsolete", str(CATALOG)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fuzzy = subprocess.run(  # noqa: S603 - fixed arguments
        [MSGATTRIB, "--only-fuzzy", "--no-obsolete", str(CATALOG)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # msgattrib prints only the header when nothing matches.
    assert untranslated.count("msgid ") <= 1
    assert fuzzy.count("msgid ") == 0
