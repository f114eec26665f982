"""How the public pages write figures, dates and names (partnerships/templatetags/registry.py)."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from outcomes.choices import Unit
from partnerships.choices import DatePrecision, Qualifier
from partnerships.models import Institution, PartialDate
from partnerships.templatetags.registry import exact_text, figure_text, partial_date_iso

CASES = [
    # quantity, qualifier, unit, Chinese, English
    (68_000_000, Qualifier.MORE_THAN, Unit.YUAN, "6800多万元", "more than 68 million yuan"),
    (2000, Qualifier.NEARLY, Unit.PERSON_TIME, "近2000人次", "nearly 2,000 person-times"),
    (10_000_000, Qualifier.ABOUT, Unit.YUAN, "约1000万元", "about 10 million yuan"),
    (100_000_000, Qualifier.MORE_THAN, Unit.YUAN, "1亿多元", "more than 100 million yuan"),
    (7, Qualifier.MORE_THAN, Unit.ITEM, "7项以上", "more than 7 items"),
    (207_000_000, Qualifier.MORE_THAN, Unit.YUAN, "20700多万元", "more than 207 million yuan"),
    (600_000, Qualifier.MORE_THAN, Unit.PERSON, "60多万人", "more than 600,000 people"),
    (25_000, Qualifier.EXACT, Unit.PERSON, "25000人", "25,000 people"),
    (25_000, Qualifier.MORE_THAN, Unit.YUAN, "2.5万元以上", "more than 25,000 yuan"),
    (200_000, Qualifier.EXACT, Unit.YUAN_PER_MONTH, "20万元/月", "200,000 yuan a month"),
    (1, Qualifier.EXACT, Unit.ITEM, "1项", "1 item"),
    (5, Qualifier.EXACT, Unit.PERCENT, "5%", "5%"),
    (
        Decimal("0.5"),
        Qualifier.ABOUT,
        Unit.TONNE_PER_MONTH,
        "约0.5吨/月",
        "about 0.5 tonnes a month",
    ),
]


@pytest.mark.parametrize(("quantity", "qualifier", "unit", "chinese", "english"), CASES)
def test_figure_text_writes_each_language_its_own_way(quantity, qualifier, unit, chinese, english):
    with translation.override("zh-hans"):
        written_in_chinese = figure_text(Decimal(quantity), qualifier, unit)
    with translation.override("en"):
        written_in_english = figure_text(Decimal(quantity), qualifier, unit)

    assert (written_in_chinese, written_in_english) == (chinese, english)


def test_exact_text_keeps_every_digit():
    with translation.override("zh-hans"):
        chinese = exact_text(Decimal("68000000.00"), Unit.YUAN)
    with translation.override("en"):
        english = exact_text(Decimal("68000000.00"), Unit.YUAN)

    assert (chinese, english) == ("68000000元", "68,000,000 yuan")


def render(source: str, **context) -> str:
    return Template("{% load registry %}" + source).render(Context(context))


def test_figure_tag_keeps_the_exact_value_on_the_element():
    class Figure:
        quantity, qualifier, unit = Decimal("68000000.00"), Qualifier.MORE_THAN, Unit.YUAN

    with translation.override("zh-hans"):
        html = render("{% figure value %}", value=Figure())

    assert html == (
        '<data class="figure" value="68000000" data-quantity="68000000" data-unit="yuan" '
        'data-qualifier="more_than" title="68000000元">6800多万元</data>'
    )


def test_figure_tag_prints_nothing_without_a_figure():
    assert render("{% figure value %}", value=None) == ""


@pytest.mark.parametrize(
    ("day", "precision", "iso", "chinese"),
    [
        (datetime.date(2019, 1, 1), DatePrecision.YEAR, "2019", "2019年"),
        (datetime.date(2019, 6, 1), DatePrecision.MONTH, "2019-06", "2019年6月"),
        (datetime.date(2019, 6, 5), DatePrecision.DAY, "2019-06-05", "2019年6月5日"),
    ],
)
def test_when_prints_a_partial_date_at_its_precision(day, precision, iso, chinese):
    value = PartialDate(day, precision)

    with translation.override("zh-hans"):
        html = render("{{ value|when }}", value=value)

    assert partial_date_iso(value) == iso
    assert html == f'<time datetime="{iso}">{chinese}</time>'


def test_when_prints_nothing_for_an_unknown_date():
    assert render("{{ value|when }}", value=PartialDate(None, DatePrecision.DAY)) == ""


def test_local_prefers_the_english_text_in_english_only_when_there_is_one():
    institution = Institution(name="山西大学", name_en="Shanxi University")
    unnamed = Institution(name="长安大学")

    with translation.override("en"):
        english = [render('{{ i|local:"name" }}', i=i) for i in (institution, unnamed)]
    with translation.override("zh-hans"):
        chinese = render('{{ i|local:"name" }}', i=institution)

    assert (english, chinese) == (["Shanxi University", "长安大学"], "山西大学")


def test_category_label_names_each_part():
    with translation.override("zh-hans"):
        label = render('{{ c|category_label:"patent" }}', c="invention/granted")

    assert label == "发明 · 授权"
