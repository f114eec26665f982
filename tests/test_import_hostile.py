"""Hostile spreadsheets are refused fast, with a message that says why, and nothing is written
(partnerships/spreadsheets/checks.py, docs/import.md "Refused files").

Zhao, an editor of 小店区, uploads each file on the institutions' import page. Every file is made
here from a real workbook or csv and then spoiled the way an attacker (or an accident) would.
"""

import io
import struct
import time
import zipfile
from io import StringIO

import openpyxl
import pytest
from defusedxml import DefusedXmlException
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from partnerships import services
from partnerships.choices import AuditAction, StaffRole
from partnerships.models import AuditEntry, Institution
from tests.spreadsheet_helpers import (
    confirm,
    csv_bytes,
    form_errors,
    problems,
    upload,
    xlsx_bytes,
)

HEADINGS = ["名称", "机构类型", "所属区县代码"]
GOOD_ROW = ["山西大学", "大学", "140105"]
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">\n'
        for n in range(1, 10)
    )
    + "]>\n"
)


@pytest.fixture(autouse=True)
def private_upload_folder(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"


@pytest.fixture
def zhao(db, xiaodian) -> User:
    """Zhao, an editor of 小店区."""
    call_command("setup_roles", stdout=StringIO())
    user = User.objects.create_user("zhao", password="unused-password", is_staff=True)
    services.staff_role_assign(user, district=xiaodian, role=StaffRole.EDITOR)
    return user


@pytest.fixture
def zhao_client(client, zhao):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(zhao)
    return client


def workbook(rows=None) -> bytes:
    return xlsx_bytes(rows or [HEADINGS, GOOD_ROW])


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add=None, method=None) -> bytes:
    """The workbook with some parts replaced and others added (name → bytes)."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member.filename, replace.get(member.filename, source.read(member)))
        for name, content in add.items():
            target.writestr(name, content, compress_type=method or zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """Make the zip directory claim that part `name` unpacks to `size` bytes (a lie)."""
    data = bytearray(data)
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length] == name.encode():
            struct.pack_into("<I", data, position + 24, size)
        position = data.find(b"PK\x01\x02", position + 4)
    return bytes(data)


def sheet_with_entities() -> bytes:
    sheet = (
        BILLION_LAUGHS
        + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        + "</sheetData></worksheet>"
    )
    return rezip(workbook(), replace={"xl/worksheets/sheet1.xml": sheet.encode()})


def formula_workbook() -> bytes:
    return workbook([HEADINGS, ['=HYPERLINK("http://evil","山西大学")', "大学", "140105"]])


def with_macros() -> bytes:
    return rezip(workbook(), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})


def zip_bomb() -> bytes:
    """An honest bomb: 30 MB of zeros packed into about 30 KB, hidden in a real workbook."""
    return rezip(workbook(), add={"xl/media/image1.bin": bytes(30 * 1024 * 1024)})


def lying_zip_bomb() -> bytes:
    """A part whose directory entry claims 3.9 GB and whose data is not even valid deflate:
    refused from the directory alone, or the message would say the file is damaged."""
    data = rezip(workbook(), add={"xl/media/image1.bin": b"\x00garbage" * 64})
    return declare_size(data, "xl/media/image1.bin", 0xF000_0000)


OLD_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000)
FORMULA_MESSAGE = (
    "Cell A2 holds a formula. Formulas are not imported: copy the sheet and paste it as values "
    "only, then import again."
)

HOSTILE_FILES = [
    (
        "a PDF renamed to .xlsx",
        "报表.xlsx",
        lambda: b"%PDF-1.7\n" + bytes(500),
        "not_xlsx",
        "This file is not an Excel workbook (.xlsx), although its name ends in .xlsx.",
    ),
    (
        "a zip that is no workbook",
        "报表.xlsx",
        lambda: zip_of({"readme.txt": b"hello"}),
        "not_xlsx",
        "This file is not an Excel workbook (.xlsx), although its name ends in .xlsx.",
    ),
    (
        "an old .xls renamed to .xlsx",
        "报表.xlsx",
        lambda: OLD_XLS,
        "not_xlsx",
        "This is an old Excel file (.xls) renamed to .xlsx; open it in Excel or WPS and save it "
        "as “Excel Workbook (*.xlsx)”.",
    ),
    (
        "a workbook renamed to .csv",
        "报表.csv",
        workbook,
        "not_csv",
        "This is an Excel file renamed to .csv; import it as .xlsx, or save it as CSV.",
    ),
    (
        "a binary file renamed to .csv",
        "报表.csv",
        lambda: b"\x7fELF\x02\x01\x01\x00" + bytes(100),
        "not_csv",
        "This file is not a text (CSV) file.",
    ),
    (
        "an unsupported kind",
        "报表.xls",
        lambda: OLD_XLS,
        "unsupported_type",
        "Only .xlsx and .csv files can be imported; this file is called “报表.xls”.",
    ),
    (
        "a file over 5 MB",
        "报表.csv",
        lambda: csv_bytes([HEADINGS, GOOD_ROW]) + b" " * (5 * 1024 * 1024),
        "too_large",
        "The file is 5.0 MB; at most 5 MB can be imported at once.",
    ),
    (
        "a zip bomb",
        "报表.xlsx",
        zip_bomb,
        "zip_bomb",
        "The workbook would unpack to far more data than a spreadsheet of this size holds (a "
        "“zip bomb”); it was not opened.",
    ),
    (
        "a zip bomb that lies about its size",
        "报表.xlsx",
        lying_zip_bomb,
        "zip_bomb",
        "The workbook would unpack to far more data than a spreadsheet of this size holds (a "
        "“zip bomb”); it was not opened.",
    ),
    (
        "an XML entity bomb (billion laughs)",
        "报表.xlsx",
        sheet_with_entities,
        "xml_entities",
        "The workbook contains XML entity declarations, which spreadsheet programs never write "
        "(an “entity bomb”); it was not opened.",
    ),
    (
        "macros",
        "报表.xlsx",
        with_macros,
        "active_content",
        "The workbook contains macros or links to other workbooks; save a copy as a plain "
        "“Excel Workbook (*.xlsx)” with values only and import that.",
    ),
    (
        "a damaged workbook",
        "报表.xlsx",
        lambda: rezip(workbook(), replace={"xl/workbook.xml": b"<workbook"}),
        "damaged",
        "The workbook is damaged (xl/workbook.xml cannot be read); save it again and retry.",
    ),
    (
        "values in a column without a heading",
        "报表.csv",
        lambda: csv_bytes([HEADINGS, [*GOOD_ROW, "", "多出来的"]]),
        "layout",
        "Row 2 has values in columns without a heading.",
    ),
    ("a formula cell in xlsx", "报表.xlsx", formula_workbook, "formula", FORMULA_MESSAGE),
    (
        "a formula cell in csv",
        "报表.csv",
        lambda: csv_bytes([HEADINGS, ["山西大学", "大学", "140105"], ["=1+1", "大学", "140105"]]),
        "formula",
        "Row 3, column “名称” starts with “=”, so spreadsheet programs would run it as a "
        "formula. Put an apostrophe (') in front to keep it as text, or remove the formula.",
    ),
    (
        "a csv cell starting with @",
        "报表.csv",
        lambda: csv_bytes([HEADINGS, ["山西大学", "@SUM(A1)", "140105"]]),
        "formula",
        "Row 2, column “机构类型” starts with “@”, so spreadsheet programs would run it as a "
        "formula. Put an apostrophe (') in front to keep it as text, or remove the formula.",
    ),
    (
        "a csv cell starting with - that is no number",
        "报表.csv",
        lambda: csv_bytes([[*HEADINGS, "简介"], [*GOOD_ROW, "-2+3"]]),
        "formula",
        "Row 2, column “简介” starts with “-”, so spreadsheet programs would run it as a "
        "formula. Put an apostrophe (') in front to keep it as text, or remove the formula.",
    ),
]


def zip_of(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "code", "message"),
    [case[1:] for case in HOSTILE_FILES],
    ids=[case[0] for case in HOSTILE_FILES],
)
def test_hostile_file_is_refused_with_its_reason_and_nothing_is_written(
    zhao_client, settings, name, make, code, message
):
    response = upload(zhao_client, Institution, SimpleUploadedFile(name, make()))

    assert response.status_code == 200
    assert form_errors(response) == [message]
    assert "confirm_form" not in response.context
    assert Institution.objects.count() == 0
    assert list(settings.IMPORT_UPLOAD_DIR.glob("*")) == []  # nor kept for a confirmation
    assert list(
        AuditEntry.objects.filter(action=AuditAction.IMPORT).values_list("detail", flat=True)
    ) == [
        {
            "model": "partnerships.institution",
            "file": name,
            "rows": 0,
            "created": 0,
            "changed": 0,
            "refused": code,
        }
    ]


def test_zip_bomb_is_refused_without_unpacking_it(zhao_client):
    bomb = SimpleUploadedFile("报表.xlsx", lying_zip_bomb())

    started = time.perf_counter()
    response = upload(zhao_client, Institution, bomb)
    elapsed = time.perf_counter() - started

    # Unpacking would have failed on the garbage data ("damaged"); the directory alone refused it.
    assert [error.code for error in response.context["form"].errors.as_data()["import_file"]] == [
        "zip_bomb"
    ]
    assert elapsed < 2


def test_openpyxl_itself_refuses_the_entity_bomb():
    """defusedxml is installed, so openpyxl parses every workbook through it too."""
    assert openpyxl.DEFUSEDXML is True
    with pytest.raises(ValueError, match="Unable to read workbook") as refused:
        openpyxl.load_workbook(io.BytesIO(sheet_with_entities()))
    assert isinstance(refused.value.__cause__, DefusedXmlException)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_too_many_rows_are_refused(zhao_client, settings, file_format):
    settings.IMPORT_MAX_ROWS = 3
    rows = [HEADINGS] + [[f"大学{n}", "大学", "140105"] for n in range(4)]
    data = csv_bytes(rows) if file_format == "csv" else xlsx_bytes(rows)

    response = upload(zhao_client, Institution, SimpleUploadedFile(f"x.{file_format}", data))

    assert form_errors(response) == ["The file has 4 rows; at most 3 can be imported at once."]
    assert Institution.objects.count() == 0


def test_signed_numbers_and_apostrophe_text_in_csv_are_not_formulas(zhao_client):
    rows = [
        [*HEADINGS, "简介", "所在地"],
        ["山西大学", "大学", "140105", "-5", "'- 第一期"],
        ["太原学院", "大学", "140105", "+3.5%", "'=不是公式"],
    ]

    preview = upload(zhao_client, Institution, SimpleUploadedFile("x.csv", csv_bytes(rows)))
    confirm(zhao_client, Institution, preview)

    assert sorted(Institution.objects.values_list("description", "location")) == [
        ("+3.5%", "=不是公式"),
        ("-5", "- 第一期"),
    ]


def test_confirm_checks_the_stored_file_again(zhao_client, settings):
    preview = upload(
        zhao_client, Institution, SimpleUploadedFile("x.csv", csv_bytes([HEADINGS, GOOD_ROW]))
    )
    assert problems(preview) == []
    # The stored upload is swapped for a hostile one between preview and confirm.
    (stored,) = settings.IMPORT_UPLOAD_DIR.iterdir()
    stored.write_bytes(csv_bytes([HEADINGS, ["=cmd|' /C calc'!A0", "大学", "140105"]]))

    response = confirm(zhao_client, Institution, preview, follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        "Row 2, column “名称” starts with “=”, so spreadsheet programs would run it as a "
        "formula. Put an apostrophe (') in front to keep it as text, or remove the formula."
    ]
    assert Institution.objects.count() == 0


def relocated(data: bytes, to: str = "xl/sheet1.xml") -> bytes:
    """The workbook with its sheet moved out of xl/worksheets/, its relationship and content
    type following it, as a hand-made file can: Excel and openpyxl still read the sheet."""
    source = zipfile.ZipFile(io.BytesIO(data))
    old = "xl/worksheets/sheet1.xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member)
            if member.filename in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                content = content.replace(f"/{old}".encode(), f"/{to}".encode())
            target.writestr(to if member.filename == old else member.filename, content)
    return buffer.getvalue()


def test_relocated_sheet_is_still_read(zhao_client):
    """The control: a sheet outside xl/worksheets/ is a real sheet, imported as any other."""
    data = relocated(workbook())
    assert "xl/worksheets/sheet1.xml" not in zipfile.ZipFile(io.BytesIO(data)).namelist()

    preview = upload(zhao_client, Institution, SimpleUploadedFile("报表.xlsx", data))
    confirm(zhao_client, Institution, preview)

    assert list(Institution.objects.values_list("name", flat=True)) == ["山西大学"]


def test_relocated_sheet_with_a_formula_is_refused(zhao_client, settings):
    data = relocated(formula_workbook())

    response = upload(zhao_client, Institution, SimpleUploadedFile("报表.xlsx", data))

    assert response.status_code == 200
    assert form_errors(response) == [FORMULA_MESSAGE]
    assert "confirm_form" not in response.context
    assert Institution.objects.count() == 0
    assert list(settings.IMPORT_UPLOAD_DIR.glob("*")) == []


def test_relocated_sheet_over_the_row_limit_is_refused(zhao_client, settings):
    settings.IMPORT_MAX_ROWS = 5000
    rows = [HEADINGS] + [[f"大学{n}", "大学", "140105"] for n in range(5200)]
    data = relocated(xlsx_bytes(rows), to="xl/data/part.xml")

    response = upload(zhao_client, Institution, SimpleUploadedFile("报表.xlsx", data))

    assert form_errors(response) == [
        "The file has 5200 rows; at most 5000 can be imported at once."
    ]
    assert "confirm_form" not in response.context
    assert Institution.objects.count() == 0
    assert list(settings.IMPORT_UPLOAD_DIR.glob("*")) == []


def test_renamed_link_to_another_workbook_is_refused(zhao_client):
    """An external link is found by its relationship, not by the folder Excel puts it in."""
    data = workbook()
    rels = zipfile.ZipFile(io.BytesIO(data)).read("xl/_rels/workbook.xml.rels")
    link = (
        b'<Relationship Id="rId9" Target="notes.xml" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/externalLink"/></Relationships>'
    )
    data = rezip(
        data,
        replace={"xl/_rels/workbook.xml.rels": rels.replace(b"</Relationships>", link)},
        add={
            "xl/notes.xml": b'<externalLink xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"/>'
        },
    )

    response = upload(zhao_client, Institution, SimpleUploadedFile("报表.xlsx", data))

    assert form_errors(response) == [
        "The workbook contains macros or links to other workbooks; save a copy as a plain "
        "“Excel Workbook (*.xlsx)” with values only and import that."
    ]
    assert Institution.objects.count() == 0
