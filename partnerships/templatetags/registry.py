"""How the public pages (and the back office) print figures, dates and names.

`{% load registry %}` in a template. Everything here formats; nothing computes a total: totals
come from `outcomes.selectors` and are only printed here.

Figures read the way each language writes them. Chinese counts in 万 and 亿 and puts 多 after
the number ("6800多万元", "近2000人次"); English groups digits and says "million" ("more than
68 million yuan"). Which word goes where is grammar, not vocabulary, so it is decided here by
the active language; the words themselves (约, 多, 近) come from the translation catalog. The
exact stored value always stays on the element (`data-quantity`, `title`), so a reader, a test or
a script never has to parse the rounded text.
"""

import datetime
from decimal import Decimal

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from outcomes.choices import (
    EnterpriseCategory,
    OutcomeKind,
    PatentStatus,
    PatentType,
    StandardLevel,
    Unit,
)
from partnerships.choices import DatePrecision, Qualifier
from partnerships.models import PartialDate

register = template.Library()

# The words a source puts before a figure (as Chinese reports write them).
QUALIFIER_PREFIXES = {
    Qualifier.EXACT: "",
    # Translators: put before a number, e.g. 约 in Chinese.
    Qualifier.ABOUT: pgettext_lazy("qualifier before a figure", "about"),
    # Translators: put before a number, e.g. 多 in Chinese.
    Qualifier.MORE_THAN: pgettext_lazy("qualifier before a figure", "more than"),
    # Translators: put before a number, e.g. 近 in Chinese.
    Qualifier.NEARLY: pgettext_lazy("qualifier before a figure", "nearly"),
}

# Not an outcome unit: a project's floor area.
SQUARE_METRE = "square_metre"

# Chinese measure words after a number. They are part of how a number is written, like the
# position of 多, so they live with the number format; the unit's name (a table heading) is the
# translated `Unit` label.
ZH_UNITS = {
    Unit.YUAN: "元",
    Unit.YUAN_PER_MONTH: "元/月",
    Unit.ITEM: "项",
    Unit.PERSON: "人",
    Unit.PERSON_TIME: "人次",
    Unit.ENTERPRISE: "家",
    Unit.PROJECT: "个",
    Unit.SET: "套",
    Unit.INSTITUTION: "所",
    Unit.USE: "次",
    Unit.CLASS: "个班",
    Unit.COURSE: "门",
    Unit.FACILITY: "个",
    Unit.VARIETY: "种",
    Unit.TONNE_PER_MONTH: "吨/月",
    Unit.PERCENT: "%",
    SQUARE_METRE: "平方米",
}
# English unit words after a number: (one, many).
EN_UNITS = {
    Unit.YUAN: ("yuan", "yuan"),
    Unit.YUAN_PER_MONTH: ("yuan a month", "yuan a month"),
    Unit.ITEM: ("item", "items"),
    Unit.PERSON: ("person", "people"),
    Unit.PERSON_TIME: ("person-time", "person-times"),
    Unit.ENTERPRISE: ("enterprise", "enterprises"),
    Unit.PROJECT: ("project", "projects"),
    Unit.SET: ("set", "sets"),
    Unit.INSTITUTION: ("institution", "institutions"),
    Unit.USE: ("use", "uses"),
    Unit.CLASS: ("class", "classes"),
    Unit.COURSE: ("course", "courses"),
    Unit.FACILITY: ("base or studio", "bases or studios"),
    Unit.VARIETY: ("variety", "varieties"),
    Unit.TONNE_PER_MONTH: ("tonne a month", "tonnes a month"),
    Unit.PERCENT: ("%", "%"),
    SQUARE_METRE: ("square metre", "square metres"),
}
# Units written straight after the number, with no space, in English too.
UNSPACED_UNITS = {Unit.PERCENT}

# (factor, word, smallest quantity written with it, most decimals of the scaled number).
# 万 starts at 10万 for counts ("600000人" reads as 60万人, "25000平方米" stays as the article
# writes it) but at 1万 for money, which Chinese sources always give in 万元. 亿 takes one
# decimal at most: 2.07亿 is written 20700万.
ZH_SCALES = {
    "money": ((Decimal(10**8), "亿", Decimal(10**8), 1), (Decimal(10**4), "万", Decimal(10**4), 2)),
    "count": ((Decimal(10**8), "亿", Decimal(10**8), 1), (Decimal(10**4), "万", Decimal(10**5), 2)),
}
EN_SCALES = (
    (Decimal(10**9), "billion", Decimal(10**9), 2),
    (Decimal(10**6), "million", Decimal(10**6), 2),
)

OUTCOME_KIND_LABELS = {
    **{kind.value: kind.label for kind in OutcomeKind},
    "intellectual_property": _("Intellectual property (patents and software copyrights)"),
}
# The enumerations a category string is made of, per kind (outcomes.selectors.CATEGORY_FIELDS).
CATEGORY_CHOICES = {
    OutcomeKind.PATENT: (PatentType, PatentStatus),
    OutcomeKind.STANDARD: (StandardLevel,),
    OutcomeKind.ENTERPRISES_CULTIVATED: (EnterpriseCategory,),
}


def format_quantity(quantity: Decimal) -> str:
    """A stored decimal without the trailing zeros of its column: 68000000.00 -> 68000000."""
    text = format(quantity, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _is_chinese() -> bool:
    return (get_language() or "").startswith("zh")


def _scaled(quantity: Decimal, scales) -> tuple[Decimal, str]:
    for factor, word, smallest, decimals in scales:
        if quantity >= smallest:
            mantissa = quantity / factor
            if mantissa == round(mantissa, decimals):
                return mantissa, word
    return quantity, ""


def _english_number(value: Decimal) -> str:
    whole = int(value)
    if value == whole:
        return f"{whole:,}"
    return f"{whole:,}" + format_quantity(value - whole)[1:]


def _chinese_more_than(mantissa: Decimal, number: str, word: str, scale: str, measure: str) -> str:
    """Where 多 goes: after a round number ("6800多万元", "300多人"), after 万/亿 when the
    number is not round ("1亿多元"); elsewhere 多 cannot stand, and 以上 says it ("7项以上")."""
    if mantissa == int(mantissa) and int(mantissa) % 10 == 0:
        return f"{number}{word}{scale}{measure}"
    if mantissa == int(mantissa) and scale:
        return f"{number}{scale}{word}{measure}"
    return f"{number}{scale}{measure}以上"


def figure_text(quantity: Decimal, qualifier: str, unit: str) -> str:
    """A figure as a reader of the active language writes it: "6800多万元", "nearly 2,000 …"."""
    word = str(QUALIFIER_PREFIXES.get(qualifier, ""))
    if _is_chinese():
        kind = "money" if unit in Unit.money else "count"
        mantissa, scale = _scaled(quantity, ZH_SCALES[kind])
        number = format_quantity(mantissa)
        measure = ZH_UNITS.get(unit, "")
        if qualifier == Qualifier.MORE_THAN:
            return _chinese_more_than(mantissa, number, word, scale, measure)
        return f"{word}{number}{scale}{measure}"
    mantissa, scale = _scaled(quantity, EN_SCALES)
    number = _english_number(mantissa)
    if scale:
        number = f"{number} {scale}"
    one, many = EN_UNITS.get(unit, ("", ""))
    measure = one if quantity == 1 else many
    text = f"{number}{measure}" if unit in UNSPACED_UNITS else f"{number} {measure}".strip()
    return f"{word} {text}" if word else text


def exact_text(quantity: Decimal, unit: str) -> str:
    """The stored value, unrounded: "68000000元", "68,000,000 yuan"."""
    if _is_chinese():
        return f"{format_quantity(quantity)}{ZH_UNITS.get(unit, '')}"
    one, many = EN_UNITS.get(unit, ("", ""))
    separator = "" if unit in UNSPACED_UNITS else " "
    return f"{_english_number(quantity)}{separator}{one if quantity == 1 else many}".strip()


@register.simple_tag
def figure(value, *, unit=None, qualifier=None):
    """`{% figure total %}`: a Total, Outcome or Target as a <data> element, or "" without one.

    `unit` and `qualifier` override the object's (a project's floor area, its funding).
    """
    if value is None:
        return ""
    if isinstance(value, Decimal):
        quantity = value
    else:
        quantity = value.quantity
        unit = unit or value.unit
        qualifier = qualifier or value.qualifier
    if quantity is None:
        return ""
    qualifier = qualifier or Qualifier.EXACT
    return format_html(
        '<data class="figure" value="{}" data-quantity="{}" data-unit="{}" data-qualifier="{}" '
        'title="{}">{}</data>',
        format_quantity(quantity),
        format_quantity(quantity),
        unit,
        qualifier,
        exact_text(quantity, unit),
        figure_text(quantity, qualifier, unit),
    )


@register.filter
def qualifier_word(qualifier: str) -> str:
    return str(QUALIFIER_PREFIXES.get(qualifier, ""))


def partial_date_iso(value: PartialDate) -> str:
    """A partial date for <time datetime>: 2019, 2019-06 or 2019-06-01."""
    if value.date is None:
        return ""
    if value.precision == DatePrecision.YEAR:
        return f"{value.date.year:04d}"
    if value.precision == DatePrecision.MONTH:
        return f"{value.date.year:04d}-{value.date.month:02d}"
    return value.date.isoformat()


@register.filter
def when(value) -> str:
    """A PartialDate (or a plain date) as <time>, at the precision the source gives."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), date_format(value))
    if value.date is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', partial_date_iso(value), str(value))


@register.filter
def local(record, field: str) -> str:
    """A record's text in the active language: `name_en`/`title_en`/`summary_en` in English
    when it is filled in, the Chinese original otherwise."""
    if record is None:
        return ""
    if not _is_chinese():
        english = getattr(record, f"{field}_en", "")
        if english:
            return english
    return getattr(record, field)


@register.filter
def institution_name(institution) -> str:
    """An institution's name with its parent's ("山西大学 计算机学院") when the parent is public."""
    if institution is None:
        return ""
    own = local(institution, "name")
    parent = institution.parent if institution.parent_id else None
    if parent is None or not parent.is_published:
        return own
    if _is_chinese():
        return f"{local(parent, 'name')} {own}"
    return f"{own}, {local(parent, 'name')}"


@register.filter
def kind_label(kind: str) -> str:
    return str(OUTCOME_KIND_LABELS.get(kind, kind))


@register.filter
def unit_label(unit: str) -> str:
    try:
        return str(Unit(unit).label)
    except ValueError:
        return unit


@register.filter
def category_label(category: str, kind: str) -> str:
    """`"invention/granted"|category_label:"patent"` -> "发明 · 授权" (labels of its parts)."""
    if not category:
        return ""
    labels = []
    for part in category.split("/"):
        for choices in CATEGORY_CHOICES.get(kind, ()):
            if part in choices.values:
                labels.append(str(choices(part).label))
                break
        else:
            labels.append(part)
    return " · ".join(labels)


@register.filter
def period(outcome) -> str:
    """An increment's period: "2018年", or "2018年–2019年" when it spans more than one date."""
    start, end = outcome.period
    if start.date and end.date and str(start) != str(end):
        return format_html("{}–{}", when(start), when(end))
    return when(start if start.date else end)
