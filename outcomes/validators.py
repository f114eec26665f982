"""Checks for the identifiers of outcomes: patents, software copyrights, standards.

Pure functions, no models and no database. `normalize_*` turns what people paste (prefixes,
spaces, full-width characters) into the one stored form; `validate_*` normalises the same way
before checking, and every message says what is wrong and how to put it right.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from partnerships.validators import PROVINCE_CODES


def _fold(value: str) -> str:
    """Fold full-width letters, digits and punctuation (e.g. `．`, `／`) to ASCII."""
    return unicodedata.normalize("NFKC", str(value))


def _current_year() -> int:
    return datetime.date.today().year


# ---------------------------------------------------------------------------------------------
# Patent application number 专利申请号
# ---------------------------------------------------------------------------------------------

# Type digit (5th of 12, 3rd of 8) -> the patent type key the models use. 8 and 9 are PCT
# applications entering the Chinese national phase.
PATENT_TYPE_BY_DIGIT = {
    "1": "invention",
    "2": "utility_model",
    "3": "design",
    "8": "invention",
    "9": "utility_model",
}

_PATENT_PREFIX = re.compile(r"^(?:CN|ZL)+")
_PATENT_PATTERN = re.compile(r"(?:\d{12}|\d{8})\.[0-9X]")
# The 12-digit form replaced the 8-digit one on 2003-10-01; the 8-digit form starts in 1985.
_FIRST_PATENT_YEAR = 1985
_LAST_SHORT_FORM_YEAR = 2003


@dataclass(frozen=True)
class PatentNumber:
    """A parsed Chinese patent application number (ZC 0006-2003)."""

    number: str  # canonical bare form, e.g. "201710601862.3"
    filing_year: int
    type_digit: str

    @property
    def patent_type(self) -> str:
        """The patent type key ("invention", "utility_model", "design") of the type digit."""
        return PATENT_TYPE_BY_DIGIT[self.type_digit]


def normalize_patent_number(value: str) -> str:
    """Return a patent application number in the canonical bare form (ZC 0006-2003).

    Drops `CN`/`ZL` prefixes (any case) and whitespace, folds the full-width `．` to `.`,
    upper-cases `X` and inserts the dot before the check character when a 13- or 9-character
    number comes without it: `ZL 2019 1019 7190.3` -> `201910197190.3`. Malformed input is
    returned cleaned but otherwise unchanged, for `parse_patent_number` to reject.
    """
    text = re.sub(r"\s", "", _fold(value)).upper()
    text = _PATENT_PREFIX.sub("", text)
    if "." not in text and len(text) in (13, 9):
        text = f"{text[:-1]}.{text[-1]}"
    return text


def patent_check_character(digits: str) -> str:
    """Return the check character of a patent application number's digits (ZC 0006-2003).

    The 12 (or, before October 2003, 8) digits are weighted 2, 3, 4, 5, 6, 7, 8, 9 repeating
    from the left; the sum mod 11 is the check character, 10 being written `X`.
    """
    total = sum(int(digit) * (2 + index % 8) for index, digit in enumerate(digits))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def parse_patent_number(value: str) -> PatentNumber:
    """Parse a patent application number (ZC 0006-2003) or raise ValidationError.

    12-digit form `YYYY T NNNNNNN . C` since 2003-10-01, 8-digit form `YY T NNNNN . C` before
    (YY 85-99 are 1985-1999, 00-03 are 2000-2003). T is the type digit (1 invention,
    2 utility model, 3 design, 8 PCT invention, 9 PCT utility model); C the check character
    (see `patent_check_character`).
    """
    number = normalize_patent_number(value)
    if not _PATENT_PATTERN.fullmatch(number):
        raise ValidationError(
            _(
                "%(value)s is not a patent application number. Write it as 12 digits, a dot "
                "and a check digit or X, e.g. 201710601862.3 (8 digits for numbers filed "
                "before October 2003, e.g. 97101765.4)."
            ),
            code="patent_format",
            params={"value": number},
        )
    digits, actual = number.split(".")
    if len(digits) == 12:
        filing_year, type_digit = int(digits[:4]), digits[4]
        latest_year = _current_year()
    else:
        short_year = int(digits[:2])
        # Only 00-03 can be this century: the 8-digit form ended in October 2003.
        filing_year = (2000 if short_year <= 3 else 1900) + short_year
        type_digit = digits[2]
        latest_year = _LAST_SHORT_FORM_YEAR
    if not _FIRST_PATENT_YEAR <= filing_year <= latest_year:
        raise ValidationError(
            _(
                "The patent application number %(value)s gives the filing year %(year)s, "
                "which is outside %(first)s-%(last)s. Check the first digits of the number."
            ),
            code="patent_year",
            params={
                "value": number,
                "year": filing_year,
                "first": _FIRST_PATENT_YEAR,
                "last": latest_year,
            },
        )
    if type_digit not in PATENT_TYPE_BY_DIGIT:
        raise ValidationError(
            _(
                "The type digit of the patent application number %(value)s is %(digit)s; it "
                "must be 1 (invention), 2 (utility model), 3 (design), 8 (PCT invention) or "
                "9 (PCT utility model). Check the digit after the year."
            ),
            code="patent_type",
            params={"value": number, "digit": type_digit},
        )
    expected = patent_check_character(digits)
    if actual != expected:
        raise ValidationError(
            _(
                "The check character of the patent application number %(value)s should be "
                "%(expected)s, not %(actual)s. A digit is mistyped; compare the number with "
                "the patent certificate or the filing receipt."
            ),
            code="patent_check",
            params={"value": number, "expected": expected, "actual": actual},
        )
    return PatentNumber(number=number, filing_year=filing_year, type_digit=type_digit)


def validate_patent_number(value: str) -> None:
    """Raise ValidationError unless `value` is a valid patent application number (ZC 0006-2003)."""
    parse_patent_number(value)


# ---------------------------------------------------------------------------------------------
# Software copyright registration number 软件著作权登记号
# ---------------------------------------------------------------------------------------------

_SOFTWARE_COPYRIGHT_PATTERN = re.compile(r"(?P<year>\d{4})SR(?P<centre>[A-Z]{2})?(?P<serial>\d+)")
# Computer software registration began under the 1991 Regulations on Computer Software
# Protection; 1992 is the first year a number can carry.
_FIRST_SOFTWARE_YEAR = 1992


def normalize_software_copyright_number(value: str) -> str:
    """Return a software copyright registration number upper-cased, without spaces.

    Copyright Protection Center of China registration number: `2019sr 0322683` -> `2019SR0322683`.
    """
    return re.sub(r"\s", "", _fold(value)).upper()


def _software_serial_lengths(year: int, *, has_centre: bool) -> tuple[int, int]:
    """Return the shortest and longest serial the Center used in `year`.

    7 digits from 2019; 6 from about 2010 (7 already in 2018, which passed a million
    registrations); 4 to 6 before, and after a 2-letter centre code.
    """
    if has_centre:
        return 4, 6
    if year >= 2019:
        return 7, 7
    if year >= 2010:
        return 6, 7
    return 4, 6


def validate_software_copyright_number(value: str) -> None:
    """Raise ValidationError unless `value` is a software copyright registration number.

    Copyright Protection Center of China: `YYYY` + `SR` + serial (7 digits from 2019, 6 about
    2010-2018, 4-6 earlier); 2008-2011 numbers may carry a 2-letter registration centre before
    the serial (`2011SRBJ0729`). There is no check digit. The certificate number
    软著登字第N号 is a different, running serial.
    """
    number = normalize_software_copyright_number(value)
    match = _SOFTWARE_COPYRIGHT_PATTERN.fullmatch(number)
    if match is None:
        raise ValidationError(
            _(
                "%(value)s is not a software copyright registration number. Write the year, "
                "SR and the serial, e.g. 2019SR0322683; it is printed as 登记号 on the "
                "certificate (not the 软著登字 certificate number)."
            ),
            code="software_copyright_format",
            params={"value": number},
        )
    year = int(match["year"])
    latest_year = _current_year()
    if not _FIRST_SOFTWARE_YEAR <= year <= latest_year:
        raise ValidationError(
            _(
                "The software copyright registration number %(value)s starts with the year "
                "%(year)s, which is outside %(first)s-%(last)s. Check the first four digits."
            ),
            code="software_copyright_year",
            params={
                "value": number,
                "year": year,
                "first": _FIRST_SOFTWARE_YEAR,
                "last": latest_year,
            },
        )
    if match["centre"] and not 2008 <= year <= 2011:
        raise ValidationError(
            _(
                "The software copyright registration number %(value)s has the centre code "
                "%(centre)s, but centre codes were only used in 2008-2011. Remove the two "
                "letters after SR or check the year."
            ),
            code="software_copyright_centre",
            params={"value": number, "centre": match["centre"]},
        )
    shortest, longest = _software_serial_lengths(year, has_centre=bool(match["centre"]))
    if not shortest <= len(match["serial"]) <= longest:
        allowed = str(shortest) if shortest == longest else f"{shortest}-{longest}"
        raise ValidationError(
            _(
                "The serial of the software copyright registration number %(value)s has "
                "%(length)s digits; numbers from %(year)s have %(allowed)s. Check for a "
                "missing or extra digit, including leading zeros."
            ),
            code="software_copyright_serial",
            params={
                "value": number,
                "length": len(match["serial"]),
                "year": year,
                "allowed": allowed,
            },
        )


# ---------------------------------------------------------------------------------------------
# Standard numbers 标准编号
# ---------------------------------------------------------------------------------------------

STANDARD_LEVELS = ("national", "industry", "local", "group", "enterprise")

# National standard codes: GB (mandatory), GB/T (recommended), GB/Z (guidance technical
# document); GBZ, the occupational health standards, are national standards too.
_NATIONAL_CODES = frozenset(["GB", "GB/T", "GB/Z", "GBZ", "GBZ/T"])
_STANDARD_PATTERN = re.compile(
    r"""
    (?P<prefix>
        T/[A-Z]+                          # group: T/ + the body's letters
      | Q/[A-Z0-9]*[A-Z]                  # enterprise: Q/ + enterprise code
      | DB(?P<region>\d{4}|\d{2})(?:/T?)? # local: DB + province (+ city), /T if recommended
      | [A-Z]{2,4}(?:/[TZ])?              # national GB..., or an industry code like NY/T
    )
    \ ?
    (?P<serial>\d+(?:\.\d+)*)
    (?:-(?P<year>\d+))?
    """,
    re.VERBOSE,
)


def normalize_standard_number(value: str) -> str:
    """Return a standard number in one canonical form: `DB14/T 2544-2022`.

    Standard numbering (GB/T 1.1-2020): code, serial (optionally `.part`), dash, year.
    Full-width characters are folded, letters upper-cased, the dash (`-`, `—`, `–`, `－`)
    written `-`, and there is one space after the code and none around the dash. A mandatory
    local standard keeps its trailing slash: `DB11/ 501-2017`. Input that does not parse is
    returned cleaned for `validate_standard_number` to reject.
    """
    text = _fold(value).upper()
    text = re.sub(r"\s*[-‐‑‒–—―－]+\s*", "-", text)
    text = re.sub(r"\s*/\s*", "/", text)
    text = re.sub(r"\s+", " ", text).strip()
    match = _STANDARD_PATTERN.fullmatch(text)
    if match is None:
        return text
    prefix = match["prefix"]
    if match["region"] and not prefix.endswith(("/", "/T")):
        prefix += "/"
    year = f"-{match['year']}" if match["year"] else ""
    return f"{prefix} {match['serial']}{year}"


def _parse_standard_number(value: str) -> tuple[str, str]:
    """Return (canonical number, level) or raise ValidationError."""
    number = normalize_standard_number(value)
    match = _STANDARD_PATTERN.fullmatch(number)
    prefix = match["prefix"] if match else ""
    if match is None or prefix in ("DB", "T", "Q"):
        raise ValidationError(
            _(
                "%(value)s is not a standard number. Write the code, the number and the "
                "year, e.g. GB/T 19001-2016 or DB14/T 2544-2022."
            ),
            code="standard_format",
            params={"value": number},
        )
    if match["year"] is None or len(match["year"]) != 4:
        raise ValidationError(
            _(
                "The standard number %(value)s must end in a dash and the 4-digit year of "
                "issue, e.g. DB14/T 2544-2022; write a two-digit year such as 86 as 1986."
            ),
            code="standard_year",
            params={"value": number},
        )
    if match["region"]:
        if match["region"][:2] not in PROVINCE_CODES:
            raise ValidationError(
                _(
                    "The local standard %(value)s has the region code %(region)s, whose first "
                    "two digits are not a province (e.g. DB14 is Shanxi)."
                ),
                code="standard_region",
                params={"value": number, "region": match["region"]},
            )
        return number, "local"
    if prefix.startswith("T/"):
        return number, "group"
    if prefix.startswith("Q/"):
        return number, "enterprise"
    if prefix in _NATIONAL_CODES:
        return number, "national"
    if prefix.startswith(("GB", "DB")):
        raise ValidationError(
            _(
                "%(value)s starts with %(prefix)s; national standards start with GB, GB/T or "
                "GB/Z, local standards with DB and the region code, e.g. DB14/T."
            ),
            code="standard_format",
            params={"value": number, "prefix": prefix},
        )
    return number, "industry"


def validate_standard_number(value: str) -> None:
    """Raise ValidationError unless `value` is a Chinese standard number.

    GB/T 1.1-2020 and the Standardization Law (2017) levels: national (GB, GB/T, GB/Z), industry
    (a 2-4 letter code such as NY/T, JB/T, HJ), local (DB + 2-digit province or 4-digit city,
    `/T` if recommended), group (T/ + body code), enterprise (Q/ + enterprise code); then the
    serial with an optional `.part`, a dash and the 4-digit year.
    """
    _parse_standard_number(value)


def standard_level_from_number(value: str) -> str:
    """Return the level of a standard from its number (GB/T 1.1-2020 codes).

    One of "national", "industry", "local", "group", "enterprise"; raises ValidationError when
    the number is not valid (see `validate_standard_number`).
    """
    return _parse_standard_number(value)[1]
