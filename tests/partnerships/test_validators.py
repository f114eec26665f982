"""Identifier checks of the partnership domain, on the published test vectors of each standard."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from partnerships import validators


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in their English source form, whatever LANGUAGE_CODE says."""
    with translation.override("en"):
        yield


def _raised(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value


# --- Unified social credit code -------------------------------------------------------------

USCC_VALID = [
    "91370000728611939A",
    "9111000071093123XX",
    "91110108551385082Q",
    "9144030071526726XG",
    "12100000400000624D",  # 清华大学
    "12100000400010056C",  # 北京师范大学
    "12100000400018162G",  # 中国农业大学
    "531000005000160090",
    "119900000106319731",
]


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("91370000728611939A", "91370000728611939A"),
        ("9137 0000 7286 1193 9A", "91370000728611939A"),
        ("91370000-728611939-a", "91370000728611939A"),
        ("\u30009137\u30000000728611939a ", "91370000728611939A"),
        ("９１３７００００７２８６１１９３９Ａ", "91370000728611939A"),
        ("9111000071093123xx", "9111000071093123XX"),
    ],
)
def test_normalize_uscc_strips_separators_and_upper_cases(raw, normalized):
    assert validators.normalize_uscc(raw) == normalized


@pytest.mark.parametrize("code", USCC_VALID)
def test_uscc_check_character_matches_published_codes(code):
    assert validators.uscc_check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", USCC_VALID)
def test_validate_uscc_accepts_published_codes(code):
    assert validators.validate_uscc(code) is None


@pytest.mark.parametrize(
    "code", ["9137 0000 7286 1193 9A", "91370000-728611939a", "12100000400000624d"]
)
def test_validate_uscc_accepts_codes_before_normalisation(code):
    assert validators.validate_uscc(code) is None


@pytest.mark.parametrize(
    "code",
    # Departments A, N and Y, which python-stdnum rejects; check characters computed by hand.
    ["A1110000600037341K", "N11100006000373417", "Y1110000600037341Y"],
)
def test_validate_uscc_accepts_departments_a_n_y(code):
    assert validators.validate_uscc(code) is None


@pytest.mark.parametrize(
    ("code", "expected", "actual"),
    [
        ("91350100M000100Y4Z", "3", "Z"),  # GB 32100-2015's own counter-example
        ("91310115MA1H8R7C6D", "7", "D"),
        ("A1110000600037341L", "K", "L"),
    ],
)
def test_validate_uscc_rejects_wrong_check_character_naming_expected(code, expected, actual):
    error = _raised(validators.validate_uscc, code)
    assert error.code == "uscc_check"
    assert error.params["expected"] == expected
    assert error.messages == [
        f"The last character of the unified social credit code {code} should be {expected}, "
        f"not {actual}. One of the 18 characters is mistyped; compare the code with the "
        "business licence."
    ]


def test_validate_uscc_rejects_wrong_length():
    error = _raised(validators.validate_uscc, "12345")
    assert error.code == "uscc_length"
    assert error.messages == [
        "The unified social credit code must be 18 characters; 12345 has 5. "
        "Copy it again from the business licence."
    ]


@pytest.mark.parametrize(
    ("code", "characters"),
    [
        ("9137000072861I939A", "I"),
        ("91370000O2861193SA", "O, S"),
        ("9137000072861193*A", "*"),
    ],
)
def test_validate_uscc_rejects_illegal_characters_naming_them(code, characters):
    error = _raised(validators.validate_uscc, code)
    assert error.code == "uscc_character"
    assert error.messages == [
        f"The unified social credit code {code} contains {characters}, which never occurs in "
        "these codes (the letters I, O, S, V and Z are not used). Check for a digit misread "
        "as a letter, e.g. 0 for O or 1 for I."
    ]


@pytest.mark.parametrize("first", ["0", "B", "X"])
def test_validate_uscc_rejects_unknown_registering_department(first):
    code = f"{first}1110000600037341K"
    error = _raised(validators.validate_uscc, code)
    assert error.code == "uscc_character"
    assert error.messages == [
        f"The unified social credit code {code} starts with {first}, but the first character "
        "must be 1-9, A, N or Y. Check the first character on the licence."
    ]


@pytest.mark.parametrize(
    ("code", "expected_prefixes"),
    [
        ("91370000728611939A", "9"),
        ("12100000400000624D", "15"),
        ("531000005000160090", "15"),
        ("", "9"),
    ],
)
def test_uscc_warning_is_none_for_expected_department(code, expected_prefixes):
    assert validators.uscc_warning(code, expected_prefixes=expected_prefixes) is None


def test_uscc_warning_flags_institution_code_on_enterprise():
    warning = validators.uscc_warning("12100000400000624D", expected_prefixes="9")
    assert warning == (
        "The unified social credit code 12100000400000624D starts with 1; codes of this kind "
        "of organisation usually start with 9. Check that the code belongs to this "
        "organisation."
    )


def test_uscc_warning_flags_enterprise_code_on_institution():
    warning = validators.uscc_warning("9137 0000 7286 1193 9a", expected_prefixes="15")
    assert warning == (
        "The unified social credit code 91370000728611939A starts with 9; codes of this kind "
        "of organisation usually start with 1 or 5. Check that the code belongs to this "
        "organisation."
    )


# --- School identification code -------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "4114010108",  # 山西大学
        "4114010109",  # 太原科技大学
        "4114010110",  # 中北大学
        "4114010112",  # 太原理工大学
        "4114010113",  # 山西农业大学
        "4114010114",  # 山西医科大学
        "4114010125",  # 山西财经大学
        " 4114010108 ",
        "4211000001",
        "9111000001",
    ],
)
def test_validate_school_code_accepts_known_codes(code):
    assert validators.validate_school_code(code) is None


@pytest.mark.parametrize("code", ["411401010", "41140101080", "4114O10108", ""])
def test_validate_school_code_rejects_wrong_format(code):
    error = _raised(validators.validate_school_code, code)
    assert error.code == "school_code_format"
    assert error.messages == [
        f"The school identification code must be exactly 10 digits; {code.strip()} is not. "
        "Copy it from the Ministry of Education list of institutions, e.g. 4114010108."
    ]


def test_validate_school_code_rejects_unknown_category():
    error = _raised(validators.validate_school_code, "5114010108")
    assert error.code == "school_code_category"
    assert error.messages == [
        "The school identification code 5114010108 starts with 51, which is not a school "
        "category; universities start with 41, adult colleges with 42, research institutes "
        "with 91 and schools with 11, 21, 31, 34 or 36."
    ]


@pytest.mark.parametrize("province", ["00", "16", "66", "72", "99"])
def test_validate_school_code_rejects_unknown_province(province):
    code = f"41{province}010108"
    error = _raised(validators.validate_school_code, code)
    assert error.code == "school_code_province"
    assert error.messages == [
        f"Digits 3-4 of the school identification code {code} should be a province code "
        f"(e.g. 14 for Shanxi); {province} is not one."
    ]


# --- ROR id ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("03cve4549", "03cve4549"),
        ("https://ror.org/03cve4549", "03cve4549"),
        ("http://ror.org/03cve4549/", "03cve4549"),
        ("ror.org/03cve4549", "03cve4549"),
        ("HTTPS://ROR.ORG/03CVE4549", "03cve4549"),
        ("  https://www.ror.org/02v51f717 ", "02v51f717"),
    ],
)
def test_normalize_ror_id_returns_bare_lower_case_id(raw, normalized):
    assert validators.normalize_ror_id(raw) == normalized


@pytest.mark.parametrize(
    "ror_id",
    [
        "03yrm5c26",
        "01k4yrm29",
        "03cve4549",  # Tsinghua
        "02v51f717",  # Peking University
        "https://ror.org/03cve4549",
        "ror.org/02V51F717",
    ],
)
def test_validate_ror_id_accepts_published_ids(ror_id):
    assert validators.validate_ror_id(ror_id) is None


def test_validate_ror_id_rejects_wrong_checksum_naming_expected():
    error = _raised(validators.validate_ror_id, "01k4yrm30")
    assert error.code == "ror_checksum"
    assert error.params["expected"] == "29"
    assert error.messages == [
        "The ROR id 01k4yrm30 should end in 29, not 30; a character is mistyped. "
        "Copy it again from ror.org."
    ]


@pytest.mark.parametrize("ror_id", ["11k4yrm29", "01k4yrm2", "01k4yrm2x", "https://ror.org/"])
def test_validate_ror_id_rejects_wrong_format(ror_id):
    error = _raised(validators.validate_ror_id, ror_id)
    bare = validators.normalize_ror_id(ror_id)
    assert error.code == "ror_format"
    assert error.messages == [
        f"{bare} is not a ROR id: a ROR id is 9 characters, a 0, six letters or digits and "
        "two digits, like 03cve4549. Copy it from the organisation's page on ror.org."
    ]


@pytest.mark.parametrize(("ror_id", "characters"), [("01k4yrl29", "l"), ("0iouk4y29", "i, o, u")])
def test_validate_ror_id_rejects_letters_outside_crockford_alphabet(ror_id, characters):
    error = _raised(validators.validate_ror_id, ror_id)
    assert error.code == "ror_character"
    assert error.messages == [
        f"The ROR id {ror_id} contains {characters}; ROR ids never use the letters i, l, o "
        "and u. Copy it again from ror.org."
    ]


# --- Administrative division code -----------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "140000",  # 山西省
        "140100",  # 太原市
        "140105",  # 小店区
        "110000",
        "110101",
        "810000",  # Hong Kong: a province-level code with no counties in the table
        " 140105 ",
    ],
)
def test_validate_district_code_accepts_gbt2260_codes(code):
    assert validators.validate_district_code(code) is None


@pytest.mark.parametrize("code", ["14010", "1401050", "14o105", "", "140105.0"])
def test_validate_district_code_rejects_wrong_format(code):
    error = _raised(validators.validate_district_code, code)
    assert error.code == "district_format"
    assert error.messages == [
        "The division code must be 6 digits (GB/T 2260), e.g. 140105 for Xiaodian District; "
        f"{code} is not."
    ]


@pytest.mark.parametrize("code", ["990000", "160100", "720105"])
def test_validate_district_code_rejects_unknown_province(code):
    error = _raised(validators.validate_district_code, code)
    assert error.code == "district_province"
    assert error.messages == [
        f"The division code {code} starts with {code[:2]}, which is not a province (e.g. 14 "
        "is Shanxi). Check the first two digits."
    ]


def test_validate_district_code_rejects_county_missing_from_table():
    error = _raised(validators.validate_district_code, "140199")
    assert error.code == "district_unknown"
    assert error.messages == [
        "The division code 140199 is not a county-level code in GB/T 2260. Check the code in "
        "the Ministry of Civil Affairs division list."
    ]
