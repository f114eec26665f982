"""Checks for the identifiers of enterprises: high-tech certificates, industry codes.

Pure functions, no models and no database; `validate_*` normalises before it checks, and every
message says what is wrong and how to put it right.
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from partnerships.validators import PROVINCE_CODES

# ---------------------------------------------------------------------------------------------
# High-tech enterprise certificate 高新技术企业证书编号
# ---------------------------------------------------------------------------------------------

_HIGH_TECH_PATTERN = re.compile(r"GR(?P<year>\d{4})(?P<province>\d{2})(?P<serial>\d{6})")
# The GR numbering came with the 2008 Administrative Measures for the Recognition of High-tech
# Enterprises (国科发火〔2008〕172号).
_FIRST_HIGH_TECH_YEAR = 2008


def normalize_high_tech_certificate_number(value: str) -> str:
    """Return a high-tech enterprise certificate number upper-cased, without whitespace.

    Certificate numbers under the Administrative Measures for the Recognition of High-tech
    Enterprises (国科发火〔2016〕32号): `gr 2023 11 004043` -> `GR202311004043`.
    """
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(value))).upper()


def validate_high_tech_certificate_number(value: str) -> None:
    """Raise ValidationError unless `value` is a high-tech enterprise certificate number.

    Administrative Measures for the Recognition of High-tech Enterprises (国科发火〔2016〕32号):
    `GR` + 4-digit year of issue + 2-digit GB/T 2260 province + 6-digit serial, e.g.
    GR202311004043.
    """
    number = normalize_high_tech_certificate_number(value)
    match = _HIGH_TECH_PATTERN.fullmatch(number)
    if match is None:
        raise ValidationError(
            _(
                "%(value)s is not a high-tech enterprise certificate number. Write GR, the "
                "4-digit year, the 2-digit province and the 6-digit serial, e.g. "
                "GR202311004043, as printed on the certificate."
            ),
            code="high_tech_format",
            params={"value": number},
        )
    year = int(match["year"])
    latest_year = datetime.date.today().year
    if not _FIRST_HIGH_TECH_YEAR <= year <= latest_year:
        raise ValidationError(
            _(
                "The certificate number %(value)s gives the year %(year)s, which is outside "
                "%(first)s-%(last)s. Check the four digits after GR."
            ),
            code="high_tech_year",
            params={
                "value": number,
                "year": year,
                "first": _FIRST_HIGH_TECH_YEAR,
                "last": latest_year,
            },
        )
    if match["province"] not in PROVINCE_CODES:
        raise ValidationError(
            _(
                "Digits 7-8 of the certificate number %(value)s should be a province code "
                "(e.g. 14 for Shanxi); %(province)s is not one."
            ),
            code="high_tech_province",
            params={"value": number, "province": match["province"]},
        )


# ---------------------------------------------------------------------------------------------
# Industrial classification GB/T 4754-2017 国民经济行业分类
# ---------------------------------------------------------------------------------------------

# GB/T 4754-2017: each section letter covers a fixed range of 2-digit divisions.
GBT4754_SECTION_DIVISIONS = {
    "A": range(1, 6),
    "B": range(6, 13),
    "C": range(13, 44),
    "D": range(44, 47),
    "E": range(47, 51),
    "F": range(51, 53),
    "G": range(53, 61),
    "H": range(61, 63),
    "I": range(63, 66),
    "J": range(66, 70),
    "K": range(70, 71),
    "L": range(71, 73),
    "M": range(73, 76),
    "N": range(76, 80),
    "O": range(80, 83),
    "P": range(83, 84),
    "Q": range(84, 86),
    "R": range(86, 91),
    "S": range(91, 97),
    "T": range(97, 98),
}


def normalize_gbt4754_code(value: str) -> str:
    """Return a GB/T 4754-2017 code upper-cased, without whitespace: `i 6513` -> `I6513`."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(value))).upper()


def validate_gbt4754_code(value: str) -> None:
    """Raise ValidationError unless `value` is a GB/T 4754-2017 industry code.

    A section letter A-T alone or followed by the 2-digit division, 3-digit group or 4-digit
    class (I, I65, I651, I6513); the division must belong to the section (65 is in I, 63-65).
    """
    code = normalize_gbt4754_code(value)
    if not re.fullmatch(r"[A-T](?:\d{2,4})?", code):
        raise ValidationError(
            _(
                "%(value)s is not a GB/T 4754-2017 industry code. Write the section letter "
                "A-T, optionally followed by 2, 3 or 4 digits, e.g. I65 or I6513."
            ),
            code="gbt4754_format",
            params={"value": code},
        )
    section, digits = code[0], code[1:]
    if not digits or int(digits[:2]) in GBT4754_SECTION_DIVISIONS[section]:
        return
    division = int(digits[:2])
    owner = next(
        (
            letter
            for letter, divisions in GBT4754_SECTION_DIVISIONS.items()
            if division in divisions
        ),
        None,
    )
    if owner is None:
        raise ValidationError(
            _(
                "%(value)s has the division %(division)s, which GB/T 4754-2017 does not "
                "define (divisions run from 01 to 97). Check the first two digits."
            ),
            code="gbt4754_division",
            params={"value": code, "division": digits[:2]},
        )
    raise ValidationError(
        _(
            "Division %(division)s belongs to section %(owner)s of GB/T 4754-2017, not "
            "%(section)s: write %(suggestion)s, or check the digits of %(value)s."
        ),
        code="gbt4754_section",
        params={
            "value": code,
            "division": digits[:2],
            "owner": owner,
            "section": section,
            "suggestion": owner + digits,
        },
    )


# ---------------------------------------------------------------------------------------------
# NEEQ stock code 新三板证券代码
# ---------------------------------------------------------------------------------------------


def validate_neeq_stock_code(value: str) -> None:
    """Raise ValidationError unless `value` is a NEEQ (新三板) or Beijing Stock Exchange code.

    National Equities Exchange and Quotations securities codes are 6 digits: 430xxx for the
    Zhongguancun pilot companies, 4xxxxx for transferred and delisted shares, 8xxxxx for listings
    since 2013, and 920xxx for companies moved to the Beijing Stock Exchange (from 2024).
    """
    code = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(value)))
    if not re.fullmatch(r"[48]\d{5}|920\d{3}", code):
        raise ValidationError(
            _(
                "%(value)s is not a NEEQ stock code: it must be 6 digits starting with 4, 8 "
                "or 920, e.g. 832000. Copy it from the company's NEEQ disclosure page."
            ),
            code="neeq_stock_code",
            params={"value": code},
        )
