"""Identifier checks of outcomes, on the published test vectors of each standard."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from outcomes import validators


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in their English source form, whatever LANGUAGE_CODE says."""
    with translation.override("en"):
        yield


def _raised(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value


NEXT_YEAR = datetime.date.today().year + 1

# --- Patent application number --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number", "filing_year", "type_digit"),
    [
        ("201710601862.3", "201710601862.3", 2017, "1"),
        ("201910975113.6", "201910975113.6", 2019, "1"),
        ("202110408724.X", "202110408724.X", 2021, "1"),
        ("ZL201910197190.3", "201910197190.3", 2019, "1"),
        ("202020411840.8", "202020411840.8", 2020, "2"),
        ("201621109340.9", "201621109340.9", 2016, "2"),
        ("ZL201330496875.1", "201330496875.1", 2013, "3"),
        ("201080063196.9", "201080063196.9", 2010, "8"),
        ("ZL95115608.X", "95115608.X", 1995, "1"),
        ("97101765.4", "97101765.4", 1997, "1"),
    ],
)
def test_parse_patent_number_accepts_published_numbers(raw, number, filing_year, type_digit):
    assert validators.parse_patent_number(raw) == validators.PatentNumber(
        number=number, filing_year=filing_year, type_digit=type_digit
    )


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("201710601862.3", "201710601862.3"),
        ("CN201710601862.3", "201710601862.3"),
        ("cn 201710601862.3", "201710601862.3"),
        ("zl201710601862.3", "201710601862.3"),
        ("ZL 2017 1060 1862.3", "201710601862.3"),
        ("201710601862．3", "201710601862.3"),
        ("２０１７１０６０１８６２．３", "201710601862.3"),
        ("202110408724.x", "202110408724.X"),
        ("202110408724x", "202110408724.X"),
        ("2017106018623", "201710601862.3"),
        ("ZL95115608x", "95115608.X"),
        ("97101765\u30004", "97101765.4"),
    ],
)
def test_normalize_patent_number_returns_canonical_bare_form(raw, normalized):
    assert validators.normalize_patent_number(raw) == normalized


@pytest.mark.parametrize(
    ("digits", "check"),
    [
        ("201710601862", "3"),
        ("201910975113", "6"),
        ("202110408724", "X"),
        ("201910197190", "3"),
        ("202020411840", "8"),
        ("201621109340", "9"),
        ("201330496875", "1"),
        ("201080063196", "9"),
        ("95115608", "X"),
        ("97101765", "4"),
    ],
)
def test_patent_check_character_matches_published_numbers(digits, check):
    assert validators.patent_check_character(digits) == check


@pytest.mark.parametrize(
    ("raw", "number", "expected", "actual"),
    [
        ("201810495832.X", "201810495832.X", "3", "X"),
        ("202021589324.8", "202021589324.8", "0", "8"),
        ("200490000001.3", "200490000001.3", "6", "3"),
        ("CN 97101765.5", "97101765.5", "4", "5"),
    ],
)
def test_parse_patent_number_rejects_wrong_check_character_naming_expected(
    raw, number, expected, actual
):
    error = _raised(validators.parse_patent_number, raw)
    assert error.code == "patent_check"
    assert error.params["expected"] == expected
    assert error.messages == [
        f"The check character of the patent application number {number} should be "
        f"{expected}, not {actual}. A digit is mistyped; compare the number with the patent "
        "certificate or the filing receipt."
    ]


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("2017106018.3", "2017106018.3"),
        ("20171060186.23", "20171060186.23"),
        ("201710601862.A", "201710601862.A"),
        ("201710601862", "201710601862"),
        ("ZL", ""),
        ("patent 201710601862.3", "PATENT201710601862.3"),
    ],
)
def test_parse_patent_number_rejects_malformed_numbers(raw, number):
    error = _raised(validators.parse_patent_number, raw)
    assert error.code == "patent_format"
    assert error.messages == [
        f"{number} is not a patent application number. Write it as 12 digits, a dot and a "
        "check digit or X, e.g. 201710601862.3 (8 digits for numbers filed before October "
        "2003, e.g. 97101765.4)."
    ]


@pytest.mark.parametrize("type_digit", ["0", "4", "5", "6", "7"])
def test_parse_patent_number_rejects_unknown_type_digit(type_digit):
    digits = f"2017{type_digit}0601862"
    number = f"{digits}.{validators.patent_check_character(digits)}"
    error = _raised(validators.parse_patent_number, number)
    assert error.code == "patent_type"
    assert error.messages == [
        f"The type digit of the patent application number {number} is {type_digit}; it must "
        "be 1 (invention), 2 (utility model), 3 (design), 8 (PCT invention) or 9 (PCT utility "
        "model). Check the digit after the year."
    ]


@pytest.mark.parametrize(
    ("digits", "year", "last"),
    [
        ("198410601862", 1984, NEXT_YEAR - 1),
        (f"{NEXT_YEAR}10601862", NEXT_YEAR, NEXT_YEAR - 1),
        ("84101765", 1984, 2003),
        ("04101765", 1904, 2003),
    ],
)
def test_parse_patent_number_rejects_filing_year_out_of_range(digits, year, last):
    number = f"{digits}.{validators.patent_check_character(digits)}"
    error = _raised(validators.parse_patent_number, number)
    assert error.code == "patent_year"
    assert error.messages == [
        f"The patent application number {number} gives the filing year {year}, which is "
        f"outside 1985-{last}. Check the first digits of the number."
    ]


def test_parse_patent_number_reads_short_form_of_2000s_as_this_century():
    digits = "02100001"
    number = f"{digits}.{validators.patent_check_character(digits)}"
    assert validators.parse_patent_number(number).filing_year == 2002


@pytest.mark.parametrize(
    ("number", "patent_type"),
    [
        ("201710601862.3", "invention"),
        ("202020411840.8", "utility_model"),
        ("201330496875.1", "design"),
        ("201080063196.9", "invention"),
    ],
)
def test_patent_number_patent_type_follows_type_digit(number, patent_type):
    assert validators.parse_patent_number(number).patent_type == patent_type


def test_patent_type_by_digit_lists_the_five_type_digits():
    assert validators.PATENT_TYPE_BY_DIGIT == {
        "1": "invention",
        "2": "utility_model",
        "3": "design",
        "8": "invention",
        "9": "utility_model",
    }


def test_validate_patent_number_accepts_granted_number():
    assert validators.validate_patent_number("ZL201910197190.3") is None


def test_validate_patent_number_rejects_wrong_check_character():
    error = _raised(validators.validate_patent_number, "201810495832.X")
    assert error.code == "patent_check"


# --- Software copyright registration number -------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("2019SR0322683", "2019SR0322683"),
        ("2019sr0322683", "2019SR0322683"),
        (" 2019 SR 0322683 ", "2019SR0322683"),
        ("２０１９ＳＲ０３２２６８３", "2019SR0322683"),
        ("2011srbj0729", "2011SRBJ0729"),
    ],
)
def test_normalize_software_copyright_number_upper_cases_and_strips_spaces(raw, normalized):
    assert validators.normalize_software_copyright_number(raw) == normalized


@pytest.mark.parametrize(
    "number",
    [
        "2019SR0322683",
        "2017SR676720",
        "2011SRBJ0729",
        "2018SR1012345",
        "2010SR012345",
        "2008SR12345",
        "2005SR1234",
        "2019 sr 0322683",
    ],
)
def test_validate_software_copyright_number_accepts_known_forms(number):
    assert validators.validate_software_copyright_number(number) is None


@pytest.mark.parametrize(
    ("number", "length", "year", "allowed"),
    [
        ("2019SR322683", 6, 2019, "7"),
        ("2017SR67672", 5, 2017, "6-7"),
        ("2008SR123", 3, 2008, "4-6"),
        ("2011SRBJ0729123", 7, 2011, "4-6"),
    ],
)
def test_validate_software_copyright_number_rejects_wrong_serial_length(
    number, length, year, allowed
):
    error = _raised(validators.validate_software_copyright_number, number)
    assert error.code == "software_copyright_serial"
    assert error.messages == [
        f"The serial of the software copyright registration number {number} has {length} "
        f"digits; numbers from {year} have {allowed}. Check for a missing or extra digit, "
        "including leading zeros."
    ]


def test_validate_software_copyright_number_rejects_centre_code_after_2011():
    error = _raised(validators.validate_software_copyright_number, "2019SRBJ0322683")
    assert error.code == "software_copyright_centre"
    assert error.messages == [
        "The software copyright registration number 2019SRBJ0322683 has the centre code BJ, "
        "but centre codes were only used in 2008-2011. Remove the two letters after SR or "
        "check the year."
    ]


@pytest.mark.parametrize(
    ("number", "year"), [("1990SR1234", 1990), (f"{NEXT_YEAR}SR0322683", NEXT_YEAR)]
)
def test_validate_software_copyright_number_rejects_year_out_of_range(number, year):
    error = _raised(validators.validate_software_copyright_number, number)
    assert error.code == "software_copyright_year"
    assert error.messages == [
        f"The software copyright registration number {number} starts with the year {year}, "
        f"which is outside 1992-{NEXT_YEAR - 1}. Check the first four digits."
    ]


@pytest.mark.parametrize(
    "number", ["软著登字第1234567号", "2019SR", "19SR0322683", "2019RS0322683", ""]
)
def test_validate_software_copyright_number_rejects_malformed_numbers(number):
    error = _raised(validators.validate_software_copyright_number, number)
    assert error.code == "software_copyright_format"
    assert error.messages == [
        f"{number} is not a software copyright registration number. Write the year, SR and "
        "the serial, e.g. 2019SR0322683; it is printed as 登记号 on the certificate (not the "
        "软著登字 certificate number)."
    ]


# --- Standard numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized", "level"),
    [
        ("DB14/T 2544—2022", "DB14/T 2544-2022", "local"),
        ("DB14/T 671.1-2012", "DB14/T 671.1-2012", "local"),
        ("DB1401/T 12-2020", "DB1401/T 12-2020", "local"),
        ("DB14/T 2544–2022", "DB14/T 2544-2022", "local"),
        ("db14/t2544 — 2022", "DB14/T 2544-2022", "local"),
        ("DB14 / T  2544-2022", "DB14/T 2544-2022", "local"),
        ("DB11/ 501-2017", "DB11/ 501-2017", "local"),
        ("DB11 501-2017", "DB11/ 501-2017", "local"),
        ("GB 5009.3-2016", "GB 5009.3-2016", "national"),
        ("GB/T 19001-2016", "GB/T 19001-2016", "national"),
        ("ＧＢ／Ｔ　１９００１－２０１６", "GB/T 19001-2016", "national"),
        ("GB/Z 20000.1-2002", "GB/Z 20000.1-2002", "national"),
        ("NY/T 391-2021", "NY/T 391-2021", "industry"),
        ("jb/t 10001-1999", "JB/T 10001-1999", "industry"),
        ("SJ/T 11363-2006", "SJ/T 11363-2006", "industry"),
        ("HJ 2.2-2018", "HJ 2.2-2018", "industry"),
        ("T/CAS 115—2019", "T/CAS 115-2019", "group"),
        ("T/SXAS 001-2021", "T/SXAS 001-2021", "group"),
        ("Q/GDW 1168-2013", "Q/GDW 1168-2013", "enterprise"),
        ("Q/GDW1168-2013", "Q/GDW 1168-2013", "enterprise"),
    ],
)
def test_standard_number_normalises_and_reads_level(raw, normalized, level):
    assert validators.normalize_standard_number(raw) == normalized
    assert validators.validate_standard_number(raw) is None
    assert validators.standard_level_from_number(raw) == level


@pytest.mark.parametrize(
    "number", ["DB14/T 2544", "GB 2760-86", "DB14/T 2544-22", "GB/T 19001-20161"]
)
def test_validate_standard_number_requires_four_digit_year(number):
    error = _raised(validators.validate_standard_number, number)
    assert error.code == "standard_year"
    assert error.messages == [
        f"The standard number {number} must end in a dash and the 4-digit year of issue, e.g. "
        "DB14/T 2544-2022; write a two-digit year such as 86 as 1986."
    ]


@pytest.mark.parametrize("number", ["standard", "DB14/T", "T/ 12-2020", "Q/ 12-2020", ""])
def test_validate_standard_number_rejects_malformed_numbers(number):
    error = _raised(validators.validate_standard_number, number)
    assert error.code == "standard_format"
    assert error.messages == [
        f"{validators.normalize_standard_number(number)} is not a standard number. Write the "
        "code, the number and the year, e.g. GB/T 19001-2016 or DB14/T 2544-2022."
    ]


@pytest.mark.parametrize(("number", "prefix"), [("DB/T 12-2020", "DB/T"), ("GBX 1-2020", "GBX")])
def test_validate_standard_number_rejects_gb_and_db_lookalikes(number, prefix):
    error = _raised(validators.validate_standard_number, number)
    assert error.code == "standard_format"
    assert error.messages == [
        f"{number} starts with {prefix}; national standards start with GB, GB/T or GB/Z, "
        "local standards with DB and the region code, e.g. DB14/T."
    ]


@pytest.mark.parametrize(
    ("number", "region"), [("DB99/T 12-2020", "99"), ("DB7201/T 1-2020", "7201")]
)
def test_validate_standard_number_rejects_unknown_region(number, region):
    error = _raised(validators.validate_standard_number, number)
    assert error.code == "standard_region"
    assert error.messages == [
        f"The local standard {number} has the region code {region}, whose first two digits "
        "are not a province (e.g. DB14 is Shanxi)."
    ]


def test_standard_level_from_number_rejects_invalid_number():
    error = _raised(validators.standard_level_from_number, "GB 2760-86")
    assert error.code == "standard_year"
