"""What the spreadsheet import and export tests share: files made in memory, the admin's import,
confirm and export requests, and reading an exported file back.

Files are generated here rather than checked in, so each test shows the cells it is about.
"""

import csv
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.admin_helpers import admin_url


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_file(rows: list[list], name: str = "表格.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(rows))


def csv_file(rows: list[list], name: str = "表格.csv", encoding="utf-8-sig") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows, encoding))


def upload(client, model, file):
    """Upload a file on the model's import page: the preview (nothing is written).

    The page's hidden fields are sent too, as a browser does: the library reads an upload only
    when the form has fields besides the file."""
    data = {"import_file": file, "resource": "", "format": ""}
    return client.post(admin_url(model, "import"), data)


def confirm(client, model, preview, **headers):
    """Confirm a preview as the browser would: post its confirm form back."""
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(admin_url(model, "process_import"), data, **headers)


def import_file(client, model, file):
    """Upload and confirm; the confirm response (a redirect when all went well)."""
    preview = upload(client, model, file)
    assert preview.context.get("problems") == [], preview.context.get("problems")
    return confirm(client, model, preview)


def problems(response) -> list[tuple]:
    """The errors a preview or a failed confirmation shows, as (row, column, message)."""
    return [(p.row, p.column, p.message) for p in response.context["problems"]]


def form_errors(response) -> list[str]:
    return response.context["form"].errors.get("import_file", [])


def changes(response) -> list[tuple]:
    """The preview's rows that create or change a record: (row, "new"/"update")."""
    return [(row.number, row.import_type) for row in response.context["changes"]]


def export(client, model, file_format: str, query: str = ""):
    """Export the model's admin list (with `query`, its filters) as "csv" or "xlsx"."""
    index = {"csv": "0", "xlsx": "1"}[file_format]
    return client.post(admin_url(model, "export") + query, {"format": index})


def exported_rows(response) -> list[list]:
    """An export's rows, the headings first, as the file holds them (csv cells are text)."""
    content = response.content
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]
