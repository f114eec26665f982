"""Checks a spreadsheet upload before any library parses it, and reads it into a table.

Staff upload xlsx and csv files to the back office. A file is refused, with a
message that says why, when it is too big, is not what its name says, is a zip bomb, carries an
XML entity bomb, has macros or links to other workbooks, or has a cell a spreadsheet program would
evaluate as a formula. Every check here reads only what it must, in this order, so a hostile file
costs little: the size; the first bytes; the zip directory (declared sizes, never decompressing);
then each XML part, streamed through defusedxml, which refuses entity declarations.

The same rules cover formula escaping on export (`escape_cell`) and its undoing on import
(`unescape_cell`), so an exported file imports back unchanged.
"""

import csv
import datetime
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from functools import cached_property

import openpyxl
import tablib
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.utils.translation import gettext as _

XLSX, CSV = "xlsx", "csv"
ZIP_MAGIC = b"PK\x03\x04"
# Old binary Office files (.xls) are OLE2 compound documents.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A real workbook has a dozen parts; thousands of tiny ones only slow the checks down.
MAX_ZIP_MEMBERS = 1000
# Below this size a part's compression ratio says nothing (a short XML file compresses 20:1).
RATIO_FLOOR_BYTES = 1024 * 1024
# Transitional and strict OOXML.
SPREADSHEET_NAMESPACES = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
}

# Spreadsheet programs evaluate a cell that starts with one of these (OWASP "CSV injection");
# tab and carriage return only matter on export, where they hide such a start.
FORMULA_STARTS = ("=", "+", "-", "@")
ESCAPED_STARTS = (*FORMULA_STARTS, "\t", "\r")
# "-5", "+3.5", "-1,000", "12%": numbers, which spreadsheets read as numbers, not as formulas.
SIGNED_NUMBER = re.compile(r"[+-]\d[\d,]*(\.\d+)?%?|[+-]\.\d+%?")


class RefusedFile(Exception):
    """An upload refused before anything reads it as a table; `message` says why."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CheckedFile:
    kind: str  # XLSX or CSV
    data: bytes
    rows: int  # data rows, header excluded


def check_upload(name: str, data: bytes) -> CheckedFile:
    """The upload if it is safe to read, else RefusedFile; the file name decides the kind."""
    check_size(len(data))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension == XLSX:
        return CheckedFile(XLSX, data, check_xlsx(data))
    if extension == CSV:
        return CheckedFile(CSV, data, count_rows(check_csv(decode_csv(data))))
    raise RefusedFile(
        _("Only .xlsx and .csv files can be imported; this file is called “%(name)s”.")
        % {"name": name},
        "unsupported_type",
    )


def check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise RefusedFile(
            _("The file is %(size)s MB; at most %(limit)s MB can be imported at once.")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": f"{limit / 1024 / 1024:g}"},
            "too_large",
        )
    if size == 0:
        raise RefusedFile(_("The file is empty."), "empty")


def check_rows(rows: int) -> None:
    if rows > settings.IMPORT_MAX_ROWS:
        raise RefusedFile(
            _("The file has %(rows)s rows; at most %(limit)s can be imported at once.")
            % {"rows": rows, "limit": settings.IMPORT_MAX_ROWS},
            "too_many_rows",
        )


# --- xlsx ----------------------------------------------------------------------------------------


def not_a_workbook(data: bytes) -> RefusedFile:
    if data.startswith(OLE2_MAGIC):
        return RefusedFile(
            _(
                "This is an old Excel file (.xls) renamed to .xlsx; open it in Excel or WPS "
                "and save it as “Excel Workbook (*.xlsx)”."
            ),
            "not_xlsx",
        )
    return RefusedFile(
        _("This file is not an Excel workbook (.xlsx), although its name ends in .xlsx."),
        "not_xlsx",
    )


def check_xlsx(data: bytes) -> int:
    """Check a workbook without trusting it; return its largest sheet's number of data rows.

    Which part is the workbook, and which parts are its sheets, is what the package's
    relationships and content types say, wherever the parts live: Excel and openpyxl follow
    them, so a sheet moved to `xl/sheet1.xml` is still read, and must be checked.
    """
    if not data.startswith(ZIP_MAGIC):
        raise not_a_workbook(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_a_workbook(data) from None
    check_zip_directory(members)
    package = Package.read(archive)
    if not package.workbooks or not package.workbooks <= package.parts.keys():
        raise not_a_workbook(data)
    if package.has_active_content():
        raise RefusedFile(
            _(
                "The workbook contains macros or links to other workbooks; save a copy as a "
                "plain “Excel Workbook (*.xlsx)” with values only and import that."
            ),
            "active_content",
        )
    largest = 0
    for name in sorted(package.xml_parts()):
        rows = scan_xml_part(archive, package.parts[name], worksheet=name in package.sheets)
        largest = max(largest, rows)
    check_rows(largest)
    return largest


# The last segment of a relationship type (transitional and strict OOXML share it).
OFFICE_DOCUMENT = "officeDocument"
SHEET_RELATIONSHIPS = {"worksheet", "dialogsheet", "chartsheet", "xlMacrosheet", "xlIntlMacrosheet"}
ACTIVE_RELATIONSHIPS = {"vbaProject", "externalLink", "xlMacrosheet", "xlIntlMacrosheet"}
WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
}
SHEET_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.dialogsheet+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.chartsheet+xml",
    "application/vnd.ms-excel.macrosheet+xml",
    "application/vnd.ms-excel.intlmacrosheet+xml",
}
ACTIVE_TYPES = {
    "application/vnd.ms-office.vbaProject",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.ms-excel.macrosheet+xml",
    "application/vnd.ms-excel.intlmacrosheet+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml",
}
# A macro project without a relationship or content type is still refused by its usual name.
ACTIVE_NAMES = re.compile(r"(^|/)vbaProject\.bin$|(^|/)externalLinks/", re.IGNORECASE)


@dataclass
class Package:
    """What a workbook's package says about itself: its parts, their content types, and the
    relationships between them (Open Packaging Conventions)."""

    parts: dict[str, zipfile.ZipInfo]
    content_types: dict[str, str]  # part name → content type
    relationships: list[tuple[str, str, str]]  # (source part, type's last segment, target)

    @classmethod
    def read(cls, archive: zipfile.ZipFile) -> "Package":
        parts = {member.filename: member for member in archive.infolist()}
        if "[Content_Types].xml" not in parts:
            raise not_a_workbook(b"")
        package = cls(parts, content_types_of(archive, parts), [])
        for name in parts:
            source = relationships_source(name)
            if source is not None:
                package.relationships += [
                    (source, kind, target)
                    for kind, target in relationships_of(archive, parts[name], source)
                ]
        return package

    def targets(self, sources: set[str], kinds: set[str]) -> set[str]:
        return {
            target
            for source, kind, target in self.relationships
            if source in sources and kind in kinds
        }

    @cached_property
    def workbooks(self) -> set[str]:
        """The workbook parts: the package's main document, and whatever part the content
        types call a workbook (openpyxl finds the workbook that way)."""
        declared = {name for name, kind in self.content_types.items() if kind in WORKBOOK_TYPES}
        return self.targets({""}, {OFFICE_DOCUMENT}) | declared

    @cached_property
    def sheets(self) -> set[str]:
        """Every part a workbook uses as a sheet, or that the content types call a sheet."""
        declared = {name for name, kind in self.content_types.items() if kind in SHEET_TYPES}
        return self.targets(self.workbooks, SHEET_RELATIONSHIPS) | declared

    def has_active_content(self) -> bool:
        return (
            any(kind in ACTIVE_RELATIONSHIPS for _source, kind, _target in self.relationships)
            or any(kind in ACTIVE_TYPES for kind in self.content_types.values())
            or any(ACTIVE_NAMES.search(name) for name in self.parts)
        )

    def xml_parts(self) -> set[str]:
        """The XML parts to scan: by name, and every part a workbook uses, whatever its name."""
        used = self.targets(self.workbooks, {kind for _s, kind, _t in self.relationships})
        named = {name for name in self.parts if name.endswith((".xml", ".rels"))}
        return (named | used | self.sheets | self.workbooks) & self.parts.keys()


RELATIONSHIPS_PART = re.compile(r"(?:(.*)/)?_rels/([^/]*)\.rels")


def relationships_source(name: str) -> str | None:
    """The part whose relationships `name` holds ("" for the package's), or None."""
    match = RELATIONSHIPS_PART.fullmatch(name)
    if match is None:
        return None
    folder, file_name = match.groups()
    return f"{folder}/{file_name}" if folder else file_name


def content_types_of(archive, parts) -> dict[str, str]:
    """Each part's content type: its Override, else the Default for its extension."""
    defaults, overrides = {}, {}
    for _event, element in xml_elements(archive, parts["[Content_Types].xml"]):
        tag = local_name(element.tag)
        if tag == "Default":
            defaults[element.get("Extension", "").lower()] = element.get("ContentType", "")
        elif tag == "Override":
            overrides[element.get("PartName", "").lstrip("/")] = element.get("ContentType", "")
    return {
        name: overrides.get(name) or defaults.get(name.rpartition(".")[2].lower(), "")
        for name in parts
    }


def relationships_of(archive, member, source: str) -> list[tuple[str, str]]:
    """(type's last segment, target part) of each relationship in a .rels part; a target is
    relative to its source's folder unless it starts with "/"."""
    folder = posixpath.dirname(source)
    found = []
    for _event, element in xml_elements(archive, member):
        if local_name(element.tag) != "Relationship":
            continue
        kind = element.get("Type", "").rstrip("/").rpartition("/")[2]
        target = element.get("Target", "")
        if element.get("TargetMode") == "External":
            found.append((kind, target))
            continue
        path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
        found.append((kind, posixpath.normpath(path).lstrip("/")))
    return found


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def check_zip_directory(members: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip bomb from its directory alone: the declared sizes, nothing decompressed.

    Reading a part later never yields more than its declared size (zipfile stops there), so
    these limits bound all the work the other checks and openpyxl do.
    """
    if len(members) > MAX_ZIP_MEMBERS:
        raise zip_bomb()
    if sum(member.file_size for member in members) > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
        raise zip_bomb()
    for member in members:
        if member.flag_bits & 0x1:
            raise RefusedFile(
                _("The workbook is password-protected; remove the password and import again."),
                "encrypted",
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR_BYTES and ratio > settings.IMPORT_MAX_COMPRESSION_RATIO:
            raise zip_bomb()


def zip_bomb() -> RefusedFile:
    return RefusedFile(
        _(
            "The workbook would unpack to far more data than a spreadsheet of this size holds "
            "(a “zip bomb”); it was not opened."
        ),
        "zip_bomb",
    )


def xml_elements(archive: zipfile.ZipFile, member: zipfile.ZipInfo, events=("start",)):
    """Stream one XML part through defusedxml, which refuses entity declarations."""
    try:
        with archive.open(member) as stream:
            for event, element in iterparse(stream, events=events, forbid_dtd=True):
                yield event, element
                if event == "end":
                    element.clear()
    except DefusedXmlException:
        raise RefusedFile(
            _(
                "The workbook contains XML entity declarations, which spreadsheet programs never "
                "write (an “entity bomb”); it was not opened."
            ),
            "xml_entities",
        ) from None
    except (SyntaxError, zipfile.BadZipFile, EOFError, OSError, ValueError):
        # ParseError is a SyntaxError; a corrupt stream fails its CRC check (BadZipFile).
        raise RefusedFile(
            _("The workbook is damaged (%(part)s cannot be read); save it again and retry.")
            % {"part": member.filename},
            "damaged",
        ) from None


def scan_xml_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo, worksheet: bool) -> int:
    """Refuse formulas in any part; count a sheet's filled rows."""
    rows, row_filled, cell = 0, False, ""
    for event, element in xml_elements(archive, member, events=("start", "end")):
        namespace, _brace, tag = element.tag.rpartition("}")
        if namespace.lstrip("{") not in SPREADSHEET_NAMESPACES:
            continue
        if event == "start":
            if tag == "c":
                cell = element.get("r", "")
            elif tag == "f":
                raise formula_cell(cell)
            elif tag in ("v", "is"):
                row_filled = True
        elif tag == "row" and worksheet:
            rows += row_filled
            row_filled = False
    # The header row is not data.
    return max(rows - 1, 0)


def formula_cell(reference: str) -> RefusedFile:
    return RefusedFile(
        _(
            "Cell %(cell)s holds a formula. Formulas are not imported: copy the sheet and paste "
            "it as values only, then import again."
        )
        % {"cell": reference or "?"},
        "formula",
    )


# --- csv -----------------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), else GB18030 (Excel on Chinese
    Windows saves "CSV" in the ANSI code page, GBK, which GB18030 includes)."""
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE2_MAGIC):
        raise RefusedFile(
            _("This is an Excel file renamed to .csv; import it as .xlsx, or save it as CSV."),
            "not_csv",
        )
    if b"\x00" in data:
        raise RefusedFile(_("This file is not a text (CSV) file."), "not_csv")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RefusedFile(
        _("The CSV file's characters cannot be read; save it as “CSV UTF-8”."), "not_csv"
    )


def csv_rows(text: str) -> list[list[str]]:
    try:
        return [row for row in csv.reader(io.StringIO(text, newline="")) if any(row)]
    except csv.Error:
        raise RefusedFile(
            _("The CSV file cannot be read as a table (check its quotes)."), "not_csv"
        ) from None


def check_csv(text: str) -> list[list[str]]:
    rows = csv_rows(text)
    check_rows(max(len(rows) - 1, 0))
    header = rows[0] if rows else []
    for number, row in enumerate(rows[1:], start=2):
        for index, value in enumerate(row):
            if is_formula(value):
                column = header[index] if index < len(header) else str(index + 1)
                raise RefusedFile(
                    _(
                        "Row %(row)s, column “%(column)s” starts with “%(start)s”, so "
                        "spreadsheet programs would run it as a formula. Put an apostrophe (') "
                        "in front to keep it as text, or remove the formula."
                    )
                    % {"row": number, "column": column, "start": value.lstrip()[:1]},
                    "formula",
                )
    return rows


def count_rows(rows: list[list[str]]) -> int:
    return max(len(rows) - 1, 0)


def is_formula(value: str) -> bool:
    """Would a spreadsheet program evaluate this CSV cell? "-5" is a number, "-" is text."""
    text = value.lstrip(" \t\r\n")
    if not text or text[0] not in FORMULA_STARTS:
        return False
    if text[0] in "+-":
        return text != text[0] and not SIGNED_NUMBER.fullmatch(text)
    return True


# --- Escaping ------------------------------------------------------------------------------------


def escape_cell(value: str) -> str:
    """Text a spreadsheet program shows as text: an apostrophe before a formula start.

    An apostrophe already in front of such a start is doubled, so `unescape_cell` gives back
    exactly the stored text.
    """
    if value[:1] in ESCAPED_STARTS or (value[:1] == "'" and value[1:2] in (*ESCAPED_STARTS, "'")):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    if value[:1] == "'" and value[1:2] in (*ESCAPED_STARTS, "'"):
        return value[1:]
    return value


# --- Reading the checked file as a table ---------------------------------------------------------


def read_table(checked: CheckedFile) -> tablib.Dataset:
    """The first sheet (xlsx) or the file (csv) as a Dataset: headings, then non-blank rows."""
    data = checked.data
    rows = xlsx_rows(data) if checked.kind == XLSX else csv_rows(decode_csv(data))
    if not rows:
        return tablib.Dataset()
    header = [str(value).strip() if value is not None else "" for value in rows[0]]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    table = tablib.Dataset(headers=header[:width])
    for number, row in enumerate(rows[1:], start=2):
        values = [unescape_cell(value) if isinstance(value, str) else value for value in row]
        values += [None] * (width - len(values))
        if any(not blank(value) for value in values[width:]):
            raise RefusedFile(
                _("Row %(row)s has values in columns without a heading.") % {"row": number},
                "layout",
            )
        table.append(values[:width])
    return table


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def xlsx_rows(data: bytes) -> list[list]:
    # read_only streams the sheet; openpyxl parses it with defusedxml (installed).
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken workbook; all mean "damaged"
        raise RefusedFile(
            _("The workbook cannot be read; save it again from Excel or WPS and retry."),
            "damaged",
        ) from None
    try:
        sheet = book.worksheets[0]
        # The sheet's own <dimension> may claim a million rows: read the rows that are there.
        sheet.reset_dimensions()
        rows = []
        for row in sheet.iter_rows():
            values = [cell_value(cell) for cell in row]
            if not all(blank(value) for value in values):
                rows.append(values)
        return rows
    finally:
        book.close()


def cell_value(cell):
    """A cell's value; a date at the precision its number format shows (see below)."""
    value = cell.value
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return date_as_shown(value, getattr(cell, "number_format", "") or "")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def date_as_shown(value: datetime.date, number_format: str) -> str:
    """Excel turns "2019-03" typed by hand into 1 March 2019 shown as "Mar-19": keep the month,
    not an invented day. Quoted literals ("年"), escapes and [locale] tags are not codes."""
    codes = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", number_format.lower()).replace("general", "")
    if "d" in codes:
        return value.isoformat()
    if "y" in codes:
        return f"{value.year:04d}-{value.month:02d}" if "m" in codes else f"{value.year:04d}"
    return value.isoformat()
