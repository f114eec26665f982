"""Checks for the identifiers of the partnership domain: districts, institutions, enterprises.

Pure functions, no models and no database. Every `validate_*` function normalises its input the
same way the model's `clean()` does before it checks, so a code pasted with spaces is judged on
its content, and every message says what is wrong and how to put it right.
"""

import functools
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

# GB/T 2260 province-level divisions (the first two digits of every division code).
PROVINCE_CODES = frozenset(
    [
        *("11", "12", "13", "14", "15"),
        *("21", "22", "23"),
        *("31", "32", "33", "34", "35", "36", "37"),
        *("41", "42", "43", "44", "45", "46"),
        *("50", "51", "52", "53", "54"),
        *("61", "62", "63", "64", "65"),
        *("71", "81", "82"),
    ]
)

# ---------------------------------------------------------------------------------------------
# Unified social credit code 统一社会信用代码
# ---------------------------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Registering departments (position 1): 1-9, plus A (central military commission), N (other
# departments) and Y (others). python-stdnum's cn.uscc rejects A, N and Y, so it is not used here.
USCC_DEPARTMENTS = "123456789ANY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# Letters the standard leaves out because they are easily confused with digits or other letters.
_USCC_EXCLUDED = "IOSVZ"


def _strip_separators(value: str) -> str:
    """Fold full-width characters to ASCII and drop whitespace and hyphens."""
    value = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"[\s\-‐‑–—－]", "", value)


def normalize_uscc(value: str) -> str:
    """Return the unified social credit code (GB 32100-2015) upper-cased, without separators.

    Spaces (also the full-width U+3000), hyphens and full-width letters and digits are common
    in codes copied from licences and web pages.
    """
    return _strip_separators(value).upper()


def uscc_check_character(first17: str) -> str:
    """Return the check character of a unified social credit code (GB 32100-2015).

    Each of the first 17 characters takes its index in the 31-symbol alphabet
    `0123456789ABCDEFGHJKLMNPQRTUWXY`, weighted 3^(i-1) mod 31 for position i; the check value
    is (31 - sum mod 31) mod 31, mapped back through the alphabet.
    """
    total = sum(
        USCC_ALPHABET.index(char) * weight
        for char, weight in zip(first17, _USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """Raise ValidationError unless `value` is a valid unified social credit code.

    GB 32100-2015: 18 characters from `0123456789ABCDEFGHJKLMNPQRTUWXY`, the first a
    registering department (1-9, A, N, Y), the last a check character (see
    `uscc_check_character`).
    """
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _(
                "The unified social credit code must be 18 characters; %(value)s has "
                "%(length)s. Copy it again from the business licence."
            ),
            code="uscc_length",
            params={"value": code, "length": len(code)},
        )
    illegal = [char for char in code[:17] if char not in USCC_ALPHABET]
    if illegal:
        raise ValidationError(
            _(
                "The unified social credit code %(value)s contains %(characters)s, which "
                "never occurs in these codes (the letters I, O, S, V and Z are not used). "
                "Check for a digit misread as a letter, e.g. 0 for O or 1 for I."
            ),
            code="uscc_character",
            params={"value": code, "characters": ", ".join(dict.fromkeys(illegal))},
        )
    if code[0] not in USCC_DEPARTMENTS:
        raise ValidationError(
            _(
                "The unified social credit code %(value)s starts with %(first)s, but the "
                "first character must be 1-9, A, N or Y. Check the first character on the "
                "licence."
            ),
            code="uscc_character",
            params={"value": code, "first": code[0]},
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The last character of the unified social credit code %(value)s should be "
                "%(expected)s, not %(actual)s. One of the 18 characters is mistyped; compare "
                "the code with the business licence."
            ),
            code="uscc_check",
            params={"value": code, "expected": expected, "actual": code[17]},
        )


def uscc_warning(value: str, *, expected_prefixes: str) -> str | None:
    """Return a warning when a code does not start with an expected registering department.

    GB 32100-2015 position 1 names the registering department: enterprises registered by market
    regulation start with 9, public institutions with 1 (establishment office) or 5 (civil
    affairs). Other first characters are legal, so this is a warning for the editor, not an
    error. `expected_prefixes` lists the expected first characters, e.g. "9" or "15".
    """
    code = normalize_uscc(value)
    if not code or code[0] in expected_prefixes:
        return None
    message = _(
        "The unified social credit code %(value)s starts with %(first)s; codes of this kind "
        "of organisation usually start with %(expected)s. Check that the code belongs to "
        "this organisation."
    ) % {
        "value": code,
        "first": code[0],
        "expected": get_text_list(list(expected_prefixes), _("or")),
    }
    return str(message)


# ---------------------------------------------------------------------------------------------
# School identification code 学校标识码
# ---------------------------------------------------------------------------------------------

# Ministry of Education school identification code, first two digits: the kind of school.
SCHOOL_CATEGORIES = {
    "11": "kindergarten",
    "21": "primary school",
    "31": "junior middle school",
    "34": "senior middle school",
    "36": "vocational school",
    "41": "regular higher education",
    "42": "adult higher education",
    "91": "research institute training graduates",
}


def validate_school_code(value: str) -> None:
    """Raise ValidationError unless `value` is a 10-digit school identification code 学校标识码.

    Ministry of Education code: 2-digit school category (see `SCHOOL_CATEGORIES`), 2-digit
    GB/T 2260 province, then 6 digits (`0` + the 5-digit national code for universities).
    There is no check digit.
    """
    code = _strip_separators(value)
    if not re.fullmatch(r"\d{10}", code):
        raise ValidationError(
            _(
                "The school identification code must be exactly 10 digits; %(value)s is "
                "not. Copy it from the Ministry of Education list of institutions, e.g. "
                "4114010108."
            ),
            code="school_code_format",
            params={"value": code},
        )
    if code[:2] not in SCHOOL_CATEGORIES:
        raise ValidationError(
            _(
                "The school identification code %(value)s starts with %(category)s, which is "
                "not a school category; universities start with 41, adult colleges with 42, "
                "research institutes with 91 and schools with 11, 21, 31, 34 or 36."
            ),
            code="school_code_category",
            params={"value": code, "category": code[:2]},
        )
    if code[2:4] not in PROVINCE_CODES:
        raise ValidationError(
            _(
                "Digits 3-4 of the school identification code %(value)s should be a "
                "province code (e.g. 14 for Shanxi); %(province)s is not one."
            ),
            code="school_code_province",
            params={"value": code, "province": code[2:4]},
        )


# ---------------------------------------------------------------------------------------------
# ROR id (Research Organization Registry)
# ---------------------------------------------------------------------------------------------

CROCKFORD_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_ROR_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?ror\.org/", re.IGNORECASE)


def normalize_ror_id(value: str) -> str:
    """Return the bare, lower-case 9-character ROR id from an id or a `https://ror.org/` URL.

    ROR identifier pattern (ror.readme.io, "ROR identifier pattern"): the canonical form is the
    URL `https://ror.org/` + id; the registry stores the bare id.
    """
    text = _ROR_PREFIX.sub("", str(value).strip())
    return text.rstrip("/").lower()


def validate_ror_id(value: str) -> None:
    """Raise ValidationError unless `value` is a valid ROR id (bare or as a URL).

    ROR identifier pattern: `0`, six Crockford base-32 characters (no i, l, o, u) and a
    2-digit ISO 7064 Mod 97-10 checksum, 98 - (n * 100 mod 97), where n is the base-32 value
    of the six characters.
    """
    ror_id = normalize_ror_id(value)
    if len(ror_id) != 9 or not ror_id.startswith("0") or not ror_id[7:].isdigit():
        raise ValidationError(
            _(
                "%(value)s is not a ROR id: a ROR id is 9 characters, a 0, six letters or "
                "digits and two digits, like 03cve4549. Copy it from the organisation's page "
                "on ror.org."
            ),
            code="ror_format",
            params={"value": ror_id},
        )
    illegal = [char for char in ror_id[1:7] if char not in CROCKFORD_ALPHABET]
    if illegal:
        raise ValidationError(
            _(
                "The ROR id %(value)s contains %(characters)s; ROR ids never use the letters "
                "i, l, o and u. Copy it again from ror.org."
            ),
            code="ror_character",
            params={"value": ror_id, "characters": ", ".join(dict.fromkeys(illegal))},
        )
    number = 0
    for char in ror_id[1:7]:
        number = number * 32 + CROCKFORD_ALPHABET.index(char)
    expected = f"{98 - (number * 100) % 97:02d}"
    if ror_id[7:] != expected:
        raise ValidationError(
            _(
                "The ROR id %(value)s should end in %(expected)s, not %(actual)s; a "
                "character is mistyped. Copy it again from ror.org."
            ),
            code="ror_checksum",
            params={"value": ror_id, "expected": expected, "actual": ror_id[7:]},
        )


# ---------------------------------------------------------------------------------------------
# Administrative division code 行政区划代码
# ---------------------------------------------------------------------------------------------


@functools.cache
def _county_codes() -> frozenset[str]:
    """Return the county-level codes of python-stdnum's GB/T 2260 table.

    The `cn/loc` table is flat: one entry per 6-digit county-level code (current and former),
    none for province or prefecture codes. Loaded on first use, not at import.
    """
    from stdnum import numdb

    return frozenset(prefix[1] for prefix in numdb.get("cn/loc").prefixes)


def validate_district_code(value: str) -> None:
    """Raise ValidationError unless `value` is a GB/T 2260 administrative division code.

    Six digits: province (2), prefecture (2), county (2). A province-level code ends in 0000
    and a prefecture-level one in 00; both are accepted when the province exists. A county-level
    code must be in python-stdnum's GB/T 2260 table (`stdnum.numdb.get("cn/loc")`).
    """
    code = _strip_separators(value)
    if not re.fullmatch(r"\d{6}", code):
        raise ValidationError(
            _(
                "The division code must be 6 digits (GB/T 2260), e.g. 140105 for Xiaodian "
                "District; %(value)s is not."
            ),
            code="district_format",
            params={"value": code},
        )
    if code[:2] not in PROVINCE_CODES:
        raise ValidationError(
            _(
                "The division code %(value)s starts with %(province)s, which is not a "
                "province (e.g. 14 is Shanxi). Check the first two digits."
            ),
            code="district_province",
            params={"value": code, "province": code[:2]},
        )
    if code.endswith("00"):
        return
    if code not in _county_codes():
        raise ValidationError(
            _(
                "The division code %(value)s is not a county-level code in GB/T 2260. Check "
                "the code in the Ministry of Civil Affairs division list."
            ),
            code="district_unknown",
            params={"value": code},
        )
