"""Spreadsheet import and export in the back office (docs/import.md).

django-import-export gives each admin list an import page (upload → preview → confirm) and an
export page; `SpreadsheetMixin` puts them on a ModelAdmin and adds what the registry needs:
- the upload is checked by `partnerships.spreadsheets.checks` before any library reads it (hostile
  files: wrong type, too big, zip bomb, XML entity bomb, formulas), and its kind comes from its
  name; it waits for confirmation in a private folder, named by a token signed for the user;
- the preview lists every error by sheet row and column, and what each row would create or
  change (`preview_of`), with nothing written;
- all or nothing: confirm re-reads the stored upload, checks it again from scratch, runs every
  row through full_clean() again and rolls everything back if one row fails;
- exports are of the list as filtered on screen, of the user's districts only; csv carries a
  UTF-8 BOM so Excel shows Chinese;
- each import and export writes one audit event, and the import's own writes are audited under
  the "import" channel.
The templates are in `partnerships.spreadsheets.templates`, how cells become records in
`partnerships.spreadsheets.resources`.
"""

import logging
import os
import re
import uuid
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ExportForm, ImportForm
from import_export.results import RowResult
from import_export.tmp_storages import BaseStorage

from partnerships import audit
from partnerships.choices import AuditAction, AuditChannel, RecordAction
from partnerships.models import DatabaseBusy
from partnerships.selectors import back_office_records, may_anywhere, policy_covers
from partnerships.spreadsheets.checks import RefusedFile, check_size, check_upload, read_table
from partnerships.spreadsheets.resources import RESOURCES, LayoutError

logger = logging.getLogger(__name__)

# --- Files ---------------------------------------------------------------------------------------


class CsvFile(base_formats.CSV):
    """CSV read from checked bytes (UTF-8 or GB18030) and written as UTF-8 with a BOM, which
    Excel needs to show Chinese instead of mojibake."""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        return read_table(check_upload("upload.csv", in_stream))

    def export_data(self, dataset, **kwargs):
        return dataset.export("csv").encode("utf-8-sig")

    def get_content_type(self):
        return "text/csv; charset=utf-8"


class XlsxFile(base_formats.XLSX):
    def create_dataset(self, in_stream, **kwargs):
        return read_table(check_upload("upload.xlsx", in_stream))


FILE_FORMATS = [CsvFile, XlsxFile]


class UploadStorage(BaseStorage):
    """An upload waiting between preview and confirm, in a private folder, named at random."""

    NAME = re.compile(r"[0-9a-f]{32}")

    @staticmethod
    def folder():
        folder = settings.IMPORT_UPLOAD_DIR
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder

    def path(self):
        if not self.NAME.fullmatch(self.name or ""):
            raise FileNotFoundError(self.name)
        return self.folder() / self.name

    def save(self, data):
        self.name = uuid.uuid4().hex
        descriptor = os.open(self.path(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        self.remove_stale()

    def read(self):
        return self.path().read_bytes()

    def remove(self):
        self.path().unlink(missing_ok=True)

    def claim(self) -> bytes:
        """Read and delete: of two confirms of one upload, only one gets it."""
        data = self.read()
        os.unlink(self.path())
        return data

    def remove_stale(self):
        # Previews that were never confirmed.
        cutoff = timezone.now().timestamp() - settings.IMPORT_CONFIRM_SECONDS
        for path in self.folder().iterdir():
            if self.NAME.fullmatch(path.name) and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)


class UploadForm(ImportForm):
    """The upload; its kind comes from the file name, and the file is checked before the
    library reads it (partnerships/spreadsheets/checks.py)."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats
        self.refusal = None
        self.fields["format"].required = False
        self.fields["format"].widget = forms.HiddenInput()
        self.fields["import_file"].widget.attrs["accept"] = ".xlsx,.csv"
        self.fields["import_file"].help_text = _(
            "An .xlsx or .csv file in the template of this list (docs/import.md), at most "
            "%(size)s MB and %(rows)s rows."
        ) % {
            "size": f"{settings.IMPORT_MAX_BYTES / 1024 / 1024:g}",
            "rows": settings.IMPORT_MAX_ROWS,
        }

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            # The size first: a file too big is refused before it is read.
            check_size(upload.size)
            upload.seek(0)
            self.kind = check_upload(upload.name, upload.read()).kind
        except RefusedFile as refusal:
            self.refusal = refusal
            raise ValidationError(refusal.message, code=refusal.code) from None
        upload.seek(0)
        return upload

    def clean(self):
        cleaned = super().clean()
        if "import_file" in cleaned:
            # The library reads the format as an index into the formats offered.
            cleaned["format"] = next(
                str(index)
                for index, file_format in enumerate(self.formats)
                if file_format().get_title() == self.kind
            )
        return cleaned


class ConfirmUploadForm(ConfirmImportForm):
    """The confirm step names the stored upload by a token signed for this user and list:
    nobody confirms another's upload, a forged name, or one older than the confirm window."""

    def __init__(self, *args, user=None, model=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.salt = upload_salt(user, model)

    def clean_import_file_name(self):
        try:
            return signing.loads(
                self.cleaned_data["import_file_name"],
                salt=self.salt,
                max_age=settings.IMPORT_CONFIRM_SECONDS,
            )
        except signing.BadSignature:
            raise ValidationError(
                _("This upload has expired or is not yours; upload the file again.")
            ) from None


def upload_salt(user, model) -> str:
    return f"registry-import:{getattr(user, 'pk', None)}:{model._meta.label_lower}"


# --- The preview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int | None  # the sheet's row number; None for the whole file
    column: str  # a heading, or "" for the whole row
    message: str


def problems_of(result) -> list[Problem]:
    """Every error of an import run, by sheet row and column."""
    problems = [
        Problem(None, "", str(error.error))
        if isinstance(error.error, LayoutError)
        else unexpected(error.error)
        for error in result.base_errors
    ]
    for row in result.rows:
        problems += [unexpected(error.error, row.number) for error in row.errors]
        if row.validation_error is not None:
            error = row.validation_error
            by_column = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            for column, messages_ in by_column.items():
                column = "" if column == NON_FIELD_ERRORS else column
                problems += [Problem(row.number, column, message) for message in messages_]
    return problems


def unexpected(error, row=None) -> Problem:
    # A database error's text names tables and constraints: log it, show staff a plain line.
    logger.warning("Spreadsheet import: unexpected error in row %s", row, exc_info=error)
    return Problem(row, "", _("This row could not be saved; check it against the template."))


# The preview's table shows this many rows that create or change a record; the rest are
# counted. A 5,000-row table would take seconds to render, and nobody reads it.
PREVIEW_ROWS = 200


def preview_of(result) -> dict:
    totals = result.totals
    changes = [row for row in result.rows if row.import_type in ("new", "update")]
    return {
        "problems": problems_of(result),
        "changes": changes[:PREVIEW_ROWS],
        "more_changes": len(changes[PREVIEW_ROWS:]),
        "created": totals[RowResult.IMPORT_TYPE_NEW],
        "changed": totals[RowResult.IMPORT_TYPE_UPDATE],
        "unchanged": totals[RowResult.IMPORT_TYPE_SKIP],
    }


def failed(result) -> bool:
    return result.has_errors() or result.has_validation_errors()


# --- The admin -----------------------------------------------------------------------------------


class SpreadsheetMixin(ImportExportMixin):
    """Import and export for an admin list; put it first in the ModelAdmin's bases."""

    import_formats = FILE_FORMATS
    export_formats = FILE_FORMATS
    import_form_class = UploadForm
    confirm_form_class = ConfirmUploadForm
    export_form_class = ExportForm
    tmp_storage_class = UploadStorage
    import_template_name = "admin/spreadsheet_import.html"

    def get_resource_classes(self, request):
        return [RESOURCES[self.model]]

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {
            "user": request.user,
            "may_add": self.has_add_permission(request),
            "may_change": self.has_change_permission(request),
            "shown_rows": PREVIEW_ROWS,
        }

    def has_import_permission(self, request):
        """Whoever may add or change records of this kind somewhere; each row is then checked
        against the permission policy on its own."""
        user = request.user
        return (self.has_add_permission(request) and may_anywhere(user, RecordAction.ADD)) or (
            self.has_change_permission(request) and may_anywhere(user, RecordAction.CHANGE)
        )

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    # Preview -------------------------------------------------------------------------------------

    def import_action(self, request, **kwargs):
        # The preview saves each row and rolls everything back; its writes, undone, are
        # imports too.
        try:
            with audit.audit_context(channel=AuditChannel.IMPORT):
                response = super().import_action(request, **kwargs)
        except DatabaseBusy:
            return self.import_again(request, DatabaseBusy.message)
        context = getattr(response, "context_data", None)
        if request.method != "POST" or context is None:
            return response
        form = context["form"]
        if form.refusal is not None:
            self.record_import(request, form.files["import_file"].name, refused=form.refusal.code)
        if context.get("result") is not None:
            context.update(preview_of(context["result"]))
        # The library names the stored copy on the uploaded file.
        stored = getattr(form.files.get("import_file"), "tmp_storage_name", "")
        if stored and (form.errors or context.get("problems")):
            # Nothing can be confirmed: do not keep the upload.
            UploadStorage(name=stored).remove()
        return response

    def add_data_read_fail_error_to_form(self, form, error):
        # The library would name the exception's class; say what staff can do instead.
        if isinstance(error, RefusedFile):
            form.refusal = error
            form.add_error("import_file", error.message)
        else:
            logger.warning("Spreadsheet import: unreadable upload", exc_info=error)
            form.add_error(
                "import_file",
                _("The file cannot be read as a table; save it again from Excel or WPS and retry."),
            )

    def get_confirm_form_kwargs(self, request, import_form=None):
        return super().get_confirm_form_kwargs(request, import_form) | {
            "user": request.user,
            "model": self.model,
        }

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            upload = {"name": initial["import_file_name"], "file": initial["original_file_name"]}
            initial["import_file_name"] = signing.dumps(
                upload, salt=upload_salt(request.user, self.model)
            )
        return initial

    # Confirm -------------------------------------------------------------------------------------

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Import the stored upload for real: read and check it again from scratch, run every
        row through full_clean() again, and write all rows or none."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return self.import_again(request, _("This upload has expired or is not yours."))
        upload = confirm_form.cleaned_data["import_file_name"]
        try:
            data = UploadStorage(name=upload["name"]).claim()
        except FileNotFoundError:
            return self.import_again(request, _("This upload was already imported or expired."))
        try:
            dataset = read_table(check_upload(upload["file"], data))
        except RefusedFile as refusal:
            self.record_import(request, upload["file"], refused=refusal.code)
            return self.import_again(request, refusal.message)
        try:
            with audit.audit_context(channel=AuditChannel.IMPORT), transaction.atomic():
                result = self.process_dataset(
                    dataset,
                    confirm_form,
                    request,
                    file_name=upload["file"],
                    rollback_on_validation_errors=True,
                    **kwargs,
                )
                if failed(result):
                    transaction.set_rollback(True)
        except DatabaseBusy:
            return self.import_again(request, DatabaseBusy.message)
        preview = preview_of(result)
        self.record_import(request, upload["file"], result=result, errors=len(preview["problems"]))
        if failed(result):
            return self.import_again(
                request,
                _(
                    "Nothing was imported: checked again on confirmation, some rows failed "
                    "(the records may have changed since the preview). Correct the file and "
                    "upload it again."
                ),
                preview | {"result": result},
            )
        return self.process_result(result, request)

    def import_again(self, request, message, extra=None):
        """The upload page with `message`, and the errors of a failed confirmation."""
        messages.error(request, message)
        if extra is None:
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
            )
        form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )
        resource = self.get_import_resource_classes(request)[0](
            **self.get_import_resource_kwargs(request)
        )
        context = {
            **self.admin_site.each_context(request),
            **extra,
            "title": _("Import"),
            "form": form,
            "opts": self.opts,
            "fields_list": [
                (
                    resource.get_display_name(),
                    [field.column_name for field in resource.get_user_visible_fields()],
                )
            ],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def record_import(self, request, file_name, *, result=None, errors=0, refused=None):
        """The import's security event: what was written, or why the file was refused."""
        detail = {"model": self.opts.label_lower, "file": file_name, "rows": 0}
        if result is not None:
            totals = result.totals
            written = not failed(result)
            detail |= {
                "rows": result.total_rows,
                "created": totals[RowResult.IMPORT_TYPE_NEW] if written else 0,
                "changed": totals[RowResult.IMPORT_TYPE_UPDATE] if written else 0,
                "unchanged": totals[RowResult.IMPORT_TYPE_SKIP] if written else 0,
                "errors": errors,
            }
        else:
            detail |= {"created": 0, "changed": 0, "refused": refused}
        audit.record_event(AuditAction.IMPORT, user=request.user, detail=detail)

    # Export --------------------------------------------------------------------------------------

    def get_export_queryset(self, request):
        """The list as filtered on screen, of the user's districts only (the admin's list
        already is; said again here, so an export never depends on another class's filter)."""
        queryset = super().get_export_queryset(request)
        if policy_covers(self.model):
            queryset = back_office_records(request.user, queryset)
        return queryset

    def get_export_data(self, file_format, request, queryset, **kwargs):
        if not self.has_export_permission(request):
            raise PermissionDenied
        dataset = self.get_data_for_export(
            request, queryset, force_native_type=isinstance(file_format, XlsxFile), **kwargs
        )
        audit.record_event(
            AuditAction.EXPORT,
            user=request.user,
            detail={
                "model": self.opts.label_lower,
                "file": self.get_export_filename(request, queryset, file_format),
                "rows": len(dataset),
            },
        )
        return file_format.export_data(dataset)
