"""Identifier checks of enterprises, on the published test vectors of each standard."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from companies import validators


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

# --- High-tech enterprise certificate -------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("GR202311004043", "GR202311004043"),
        ("gr202311004043", "GR202311004043"),
        ("GR 2023 11 004043", "GR202311004043"),
        ("ＧＲ２０２３１１００４０４３", "GR202311004043"),
    ],
)
def test_normalize_high_tech_certificate_number_upper_cases_and_strips_spaces(raw, normalized):
    assert validators.normalize_high_tech_certificate_number(raw) == normalized


@pytest.mark.parametrize(
    "number", ["GR202311004043", "gr 2023 1100 4043", "GR200814000001", "GR202182000123"]
)
def test_validate_high_tech_certificate_number_accepts_certificates(number):
    assert validators.validate_high_tech_certificate_number(number) is None


@pytest.mark.parametrize(
    "number", ["GR20231100404", "GR2023110040431", "GF202311004043", "202311004043", ""]
)
def test_validate_high_tech_certificate_number_rejects_malformed_numbers(number):
    error = _raised(validators.validate_high_tech_certificate_number, number)
    assert error.code == "high_tech_format"
    assert error.messages == [
        f"{number} is not a high-tech enterprise certificate number. Write GR, the 4-digit "
        "year, the 2-digit province and the 6-digit serial, e.g. GR202311004043, as printed "
        "on the certificate."
    ]


@pytest.mark.parametrize(
    ("number", "year"),
    [("GR200711004043", 2007), (f"GR{NEXT_YEAR}11004043", NEXT_YEAR)],
)
def test_validate_high_tech_certificate_number_rejects_year_out_of_range(number, year):
    error = _raised(validators.validate_high_tech_certificate_number, number)
    assert error.code == "high_tech_year"
    assert error.messages == [
        f"The certificate number {number} gives the year {year}, which is outside "
        f"2008-{NEXT_YEAR - 1}. Check the four digits after GR."
    ]


@pytest.mark.parametrize("province", ["00", "10", "16", "99"])
def test_validate_high_tech_certificate_number_rejects_unknown_province(province):
    number = f"GR2023{province}004043"
    error = _raised(validators.validate_high_tech_certificate_number, number)
    assert error.code == "high_tech_province"
    assert error.messages == [
        f"Digits 7-8 of the certificate number {number} should be a province code (e.g. 14 "
        f"for Shanxi); {province} is not one."
    ]


# --- GB/T 4754-2017 industry code -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized"), [("I6513", "I6513"), ("i6513", "I6513"), (" I 65 13 ", "I6513")]
)
def test_normalize_gbt4754_code_upper_cases_and_strips_spaces(raw, normalized):
    assert validators.normalize_gbt4754_code(raw) == normalized


@pytest.mark.parametrize(
    "code", ["I", "I65", "I651", "I6513", "i6513", "A01", "C13", "C43", "K70", "P83", "T97"]
)
def test_validate_gbt4754_code_accepts_codes(code):
    assert validators.validate_gbt4754_code(code) is None


@pytest.mark.parametrize("code", ["I6", "I65131", "U65", "65", "", "II65"])
def test_validate_gbt4754_code_rejects_malformed_codes(code):
    error = _raised(validators.validate_gbt4754_code, code)
    assert error.code == "gbt4754_format"
    assert error.messages == [
        f"{code} is not a GB/T 4754-2017 industry code. Write the section letter A-T, "
        "optionally followed by 2, 3 or 4 digits, e.g. I65 or I6513."
    ]


@pytest.mark.parametrize(
    ("code", "owner", "suggestion"),
    [("C65", "I", "I65"), ("M6513", "I", "I6513"), ("A13", "C", "C13")],
)
def test_validate_gbt4754_code_rejects_division_of_another_section(code, owner, suggestion):
    error = _raised(validators.validate_gbt4754_code, code)
    assert error.code == "gbt4754_section"
    assert error.messages == [
        f"Division {code[1:3]} belongs to section {owner} of GB/T 4754-2017, not {code[0]}: "
        f"write {suggestion}, or check the digits of {code}."
    ]


@pytest.mark.parametrize("code", ["A00", "S98", "T9901"])
def test_validate_gbt4754_code_rejects_undefined_division(code):
    error = _raised(validators.validate_gbt4754_code, code)
    assert error.code == "gbt4754_division"
    assert error.messages == [
        f"{code} has the division {code[1:3]}, which GB/T 4754-2017 does not define "
        "(divisions run from 01 to 97). Check the first two digits."
    ]


# --- NEEQ stock code ------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["430001", "832000", "872123", "920001", " 832000 "])
def test_validate_neeq_stock_code_accepts_codes(code):
    assert validators.validate_neeq_stock_code(code) is None


@pytest.mark.parametrize("code", ["600000", "000001", "83200", "8320001", "921000"])
def test_validate_neeq_stock_code_rejects_other_codes(code):
    error = _raised(validators.validate_neeq_stock_code, code)
    assert error.code == "neeq_stock_code"
    assert error.messages == [
        f"{code} is not a NEEQ stock code: it must be 6 digits starting with 4, 8 or 920, "
        "e.g. 832000. Copy it from the company's NEEQ disclosure page."
    ]
