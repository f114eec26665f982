"""Identifiers with correct check characters, built from serials that never repeat.

Check characters come from the validators where they compute one (USCC, patent numbers); the
GB 11714 organisation code and the ROR checksum, which the validators only check or ignore,
are computed here. Serials pass through `scrambled`, so consecutive records do not get
consecutive numbers, and two records never get the same one.
"""

from outcomes.validators import patent_check_character
from partnerships.validators import CROCKFORD_ALPHABET, uscc_check_character


def scrambled(index: int, modulus: int, multiplier: int, offset: int) -> int:
    """A distinct, unordered-looking serial for each index below `modulus` (multiplier coprime)."""
    return (index * multiplier + offset) % modulus


def base_digits(number: int, alphabet: str, length: int) -> str:
    """`number` written in `length` characters of `alphabet` (its length is the base)."""
    digits = []
    for _ in range(length):
        number, digit = divmod(number, len(alphabet))
        digits.append(alphabet[digit])
    return "".join(reversed(digits))


_ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code(body: str) -> str:
    """A GB 11714-1997 organisation code: 8 characters and the check character.

    Characters 0-9 count as themselves, A-Z as 10-35; weights 3, 7, 9, 10, 5, 8, 4, 2; the check
    is 11 - (sum mod 11), written X for 10 and 0 for 11. Positions 9-17 of a USCC are this code.
    """
    total = sum(
        int(char, 36) * weight for char, weight in zip(body, _ORGANISATION_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def uscc(department: str, region: str, organisation: str) -> str:
    """A unified social credit code (GB 32100-2015): registering department and entity category
    (2), GB/T 2260 region of the registering authority (6), organisation code (9), check."""
    first17 = department + region + organisation
    return first17 + uscc_check_character(first17)


def ror_id(number: int) -> str:
    """A ROR id: 0, six Crockford base-32 characters, ISO 7064 Mod 97-10 checksum."""
    return f"0{base_digits(number, CROCKFORD_ALPHABET, 6)}{98 - (number * 100) % 97:02d}"


def patent_number(year: int, type_digit: str, serial: int) -> str:
    """A patent application number (ZC 0006-2003) with the validators' check character."""
    digits = f"{year}{type_digit}{serial:07d}"
    return f"{digits}.{patent_check_character(digits)}"


def software_copyright_number(year: int, serial: int, centre: str = "") -> str:
    """A software copyright registration number with the serial length of its year.

    7 digits from 2018 (the Center passed a million registrations), 6 before; a 2-letter
    registration centre only in 2008-2011 (see outcomes.validators).
    """
    if centre:
        return f"{year}SR{centre}{serial % 10**6:06d}"
    width = 7 if year >= 2018 else 6
    return f"{year}SR{serial % 10**width:0{width}d}"


ENTERPRISE_STANDARD_CODES = ("HX", "RD", "XC", "KJ", "ZN", "NY")


def standard_number(level: str, serial: int, year: int) -> str:
    """A standard number in the canonical form `normalize_standard_number` gives, per level."""
    return {
        "local": f"DB14/T {1000 + serial % 9000}-{year}",
        "national": f"GB/T {30000 + serial % 9000}-{year}",
        "industry": f"NY/T {2000 + serial % 7000}-{year}",
        "group": f"T/SXAS {serial % 900 + 1:03d}-{year}",
        "enterprise": f"Q/TY{ENTERPRISE_STANDARD_CODES[serial % len(ENTERPRISE_STANDARD_CODES)]} "
        f"{serial % 90 + 1:02d}-{year}",
    }[level]
