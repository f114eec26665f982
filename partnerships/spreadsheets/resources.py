"""How each template's cells become a record, and a record becomes cells (docs/import.md).

django-import-export reads each row through a `resources.ModelResource`; ours add:
- rights per row: a row without an id needs the add right, a row with an id the change right,
  both only in the districts the user may write (`writable_district_ids`); an id of another
  district's record is answered "not found", exactly like an id that does not exist;
- references by a key staff know: district and sector codes, institution id or name, record ids,
  each only among records the user may see (published, or of their districts);
- imported records are drafts: the publication state column is exported, never imported;
- one validation path: every row ends in the model's `full_clean()`, like the admin and the API,
  with its errors filed under the column headings;
- exported text never starts like a formula (`escape_cell`).
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import OperationalError, models
from django.db.models import UniqueConstraint
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.fields import Field
from import_export.resources import Diff

from companies.models import Sector
from partnerships import constraint_checks
from partnerships.choices import RecordAction
from partnerships.models import KNOWN_REFERENCES, DatabaseBusy, District, Institution
from partnerships.selectors import NOT_YOURS, back_office_records, choices_for, why_not
from partnerships.spreadsheets.checks import escape_cell
from partnerships.spreadsheets.templates import ID_COLUMN, TEMPLATES


@dataclass
class Scope:
    """Who imports, and the model permissions the admin gives them. What they may do with
    each record is the permission policy's answer (`partnerships.selectors`), as in the admin
    and the API."""

    user: object
    may_add: bool = False
    may_change: bool = False
    # What a reference cell (a district code, a record id) named, per import: 5,000 rows
    # naming one district ask the database once. A name is looked up every time, since an
    # earlier row may add or rename the record it names.
    found: dict = field(default_factory=dict)
    # (model, pk) of each record a reference cell named: read in this import's transaction, so
    # full_clean() need not ask again whether it exists (KNOWN_REFERENCES).
    known: set = field(default_factory=set)

    def remember(self, record):
        self.known.add((type(record), record.pk))
        return record

    def lookup(self, key: tuple, find):
        """`find()`'s record, or the ValueError it raised, remembered for this import."""
        if key not in self.found:
            try:
                self.found[key] = find()
            except ValueError as error:
                self.found[key] = error
        result = self.found[key]
        if isinstance(result, ValueError):
            raise result
        return self.remember(result)

    def records(self, queryset):
        """The records a row's 编号 may name: those the user's back-office lists show."""
        return back_office_records(self.user, queryset)

    def choices(self, model, field_name: str, queryset):
        """What a reference cell of `model` may name: what the admin's form offers."""
        return choices_for(self.user, model, field_name, queryset)

    def refusal(self, action: str, record):
        return why_not(self.user, action, record)


# --- Cells ---------------------------------------------------------------------------------------


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value) -> str:
    if blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class TextWidget(widgets.Widget):
    """Text as the admin form takes it: stripped, empty for a blank cell; codes typed as
    numbers in Excel (140105, a school code) come back as their digits."""

    def clean(self, value, row=None, **kwargs):
        return as_text(value)

    def render(self, value, obj=None, **kwargs):
        return value or ""


class UrlWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        # Like the admin (assume_scheme="https"): "www.example.cn" means https://www.example.cn.
        text = as_text(value)
        return f"https://{text}" if text and "://" not in text else text


class IntegerWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return None
        text = as_text(value)
        if not re.fullmatch(r"\d{1,18}", text):
            raise ValueError(_("Enter a whole number."))
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return value


class DecimalWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return None
        try:
            number = Decimal(as_text(value).replace(",", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValueError(_("Enter a number, e.g. 68000000 or 3000.5."))
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        # Whole numbers without ".00", so the sheet shows what staff typed.
        return int(value) if value == value.to_integral_value() else value


YES, NO = ("是", "true", "yes", "y", "1", "√"), ("否", "false", "no", "n", "0", "×")


class BooleanWidget(widgets.Widget):
    def __init__(self, default):
        self.default = default

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return self.default
        text = as_text(value).lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError(_("Enter 是 (yes) or 否 (no)."))

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class ChoiceWidget(widgets.Widget):
    """A choice by its Chinese label (as exported), its English label or its code."""

    def __init__(self, choices, default=""):
        self.choices = list(choices)
        self.default = default

    @cached_property
    def codes(self) -> dict[str, str]:
        codes = {}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                codes |= {str(label).strip().lower(): code for code, label in self.choices}
        return codes | {code: code for code, _label in self.choices}

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return self.default
        text = as_text(value)
        code = self.codes.get(text.lower())
        if code is None:
            with translation.override("zh-hans"):
                allowed = "、".join(str(label) for _code, label in self.choices)
            raise ValueError(
                _("“%(value)s” is not one of: %(allowed)s.") % {"value": text, "allowed": allowed}
            )
        return code

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        with translation.override("zh-hans"):
            return str(dict(self.choices).get(value, value))


class PartialDateWidget(widgets.Widget):
    """A date at the precision the source gives: "2019", "2019-03", "2019-03-15", or written
    "2019年3月"; a date cell of Excel counts to the day unless its format shows less."""

    PATTERN = re.compile(r"(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?)?年?")

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return None, None
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return value, "day"
        match = self.PATTERN.fullmatch(as_text(value).replace(" ", ""))
        if not match:
            raise ValueError(_("Enter a date as 2019, 2019-03 or 2019-03-15."))
        year, month, day = (int(part) if part else None for part in match.groups())
        try:
            date = datetime.date(year, month or 1, day or 1)
        except ValueError:
            raise ValueError(_("This date does not exist.")) from None
        return date, "day" if day else "month" if month else "year"

    def render(self, value, obj=None, **kwargs):
        date, precision = value
        if date is None:
            return ""
        if precision == "year":
            return f"{date.year:04d}"
        if precision == "month":
            return f"{date.year:04d}-{date.month:02d}"
        return date.isoformat()


class RecordWidget(widgets.Widget):
    """A record named by its id in column `field_name` of a `owner` row; only what the admin's
    form would offer exists (published records, and those of the user's districts)."""

    def __init__(self, model, owner, field_name):
        self.model, self.owner, self.field_name = model, owner, field_name

    def candidates(self, scope):
        return scope.choices(self.owner, self.field_name, self.model.objects.all())

    def clean(self, value, row=None, scope=None, **kwargs):
        if blank(value):
            return None
        text = as_text(value)
        key = ("record", self.owner, self.field_name, text)
        return scope.lookup(key, lambda: self.find(text, scope))

    def find(self, text, scope):
        record = None
        if re.fullmatch(r"\d{1,18}", text):
            record = self.candidates(scope).filter(pk=int(text)).first()
        if record is None:
            raise ValueError(self.not_found(text))
        return record

    def not_found(self, text):
        return _("There is no %(model)s with id %(id)s.") % {
            "model": self.model._meta.verbose_name,
            "id": text,
        }

    def render(self, value, obj=None, **kwargs):
        return value


class InstitutionWidget(RecordWidget):
    """An institution by id or by name (a sub-unit as "parent name" + space + its name)."""

    def __init__(self, owner, field_name):
        super().__init__(Institution, owner, field_name)

    def clean(self, value, row=None, scope=None, **kwargs):
        text = as_text(value)
        if blank(value) or re.fullmatch(r"\d{1,18}", text):
            return super().clean(value, row, scope=scope, **kwargs)
        visible = self.candidates(scope)
        matches = list(visible.filter(name=text)[:2])
        if not matches and " " in text:
            parent, _space, name = text.partition(" ")
            matches = list(visible.filter(name=name.strip(), parent__name=parent)[:2])
        if len(matches) > 1:
            raise ValueError(
                _("Several institutions are called “%(name)s”; give the id instead.")
                % {"name": text}
            )
        if not matches:
            raise ValueError(_("There is no institution called “%(name)s”.") % {"name": text})
        return scope.remember(matches[0])


class CodeWidget(widgets.Widget):
    """A district (GB/T 2260) or sector (GB/T 4754) by its code; a record's own district must
    be one the user may add records in, as in the admin's form."""

    def __init__(self, model, owner, field_name):
        self.model, self.owner, self.field_name = model, owner, field_name

    def clean(self, value, row=None, scope=None, **kwargs):
        if blank(value):
            return None
        code = as_text(value)
        key = ("code", self.owner, self.field_name, code)
        return scope.lookup(key, lambda: self.find(code, scope))

    def find(self, code, scope):
        record = self.model.objects.filter(code=code).first()
        if record is None:
            raise ValueError(
                _("There is no %(model)s with code %(code)s.")
                % {"model": self.model._meta.verbose_name, "code": code}
            )
        allowed = scope.choices(
            self.owner, self.field_name, self.model.objects.filter(pk=record.pk)
        )
        if not allowed.exists():
            raise ValueError(
                _("You may only import records of your own districts, not of %(district)s.")
                % {"district": record}
            )
        return record

    def render(self, value, obj=None, **kwargs):
        return value.code if value is not None else ""


# --- Columns -------------------------------------------------------------------------------------


class Column(Field):
    """A column of a template; exported text never starts like a formula."""

    def attributes(self) -> tuple[str, ...]:
        """The model fields this column sets (their errors are shown under its heading)."""
        return (self.attribute,)

    def export(self, instance, **kwargs):
        value = super().export(instance, **kwargs)
        return escape_cell(value) if isinstance(value, str) else value


class RecordColumn(Column):
    """A foreign key shown as the related record's id (read without loading the record)."""

    def get_value(self, instance):
        return getattr(instance, f"{self.attribute}_id")


class PartialDateColumn(Column):
    """A date and its precision field (`signed_on` and `signed_on_precision`) in one cell."""

    def attributes(self):
        return (self.attribute, f"{self.attribute}_precision")

    def get_value(self, instance):
        return getattr(instance, self.attribute), getattr(instance, f"{self.attribute}_precision")

    def save(self, instance, row, is_m2m=False, **kwargs):
        date, precision = self.clean(row, **kwargs)
        setattr(instance, self.attribute, date)
        if date is not None:
            setattr(instance, f"{self.attribute}_precision", precision)


def make_column(model, name: str, heading: str) -> Column:
    """The column for one model field, its cell format chosen by the field's type."""
    field = model._meta.get_field(name)
    if name == "id":
        return Column("id", heading, widget=IntegerWidget(), readonly=True)
    if name == "state":
        # Exported for information; imported records are always drafts.
        return Column(name, heading, widget=ChoiceWidget(field.choices), readonly=True)
    if field.is_relation:
        related = field.related_model
        if related in (District, Sector):
            return Column(name, heading, widget=CodeWidget(related, model, name))
        if related is Institution:
            return RecordColumn(name, heading, widget=InstitutionWidget(model, name))
        return RecordColumn(name, heading, widget=RecordWidget(related, model, name))
    if field.choices:
        default = field.default if field.has_default() else ""
        return Column(name, heading, widget=ChoiceWidget(field.choices, default))
    if isinstance(field, models.DateField):
        return PartialDateColumn(name, heading, widget=PartialDateWidget())
    if isinstance(field, models.BooleanField):
        return Column(name, heading, widget=BooleanWidget(field.default))
    if isinstance(field, models.DecimalField):
        return Column(name, heading, widget=DecimalWidget())
    if isinstance(field, models.IntegerField):
        return Column(name, heading, widget=IntegerWidget())
    if isinstance(field, models.URLField):
        return Column(name, heading, widget=UrlWidget())
    return Column(name, heading, widget=TextWidget())


# --- Resources -----------------------------------------------------------------------------------


class LayoutError(Exception):
    """The file's headings do not fit the template; the message lists what is wrong."""


class PlainDiff(Diff):
    """The preview's cells: old and new value, without the inline styles CSP forbids.

    Read when the cells are asked for, and only for the first rows that change something (the
    preview shows those, `RegistryResource.shown_rows`): reading every cell of 5,000 rows twice
    took longer than checking them.
    """

    def __init__(self, resource, instance, new):
        # `instance` is the library's copy of the record before the row is applied.
        self.resource, self.before, self.after, self.new = resource, instance, None, new
        self.left, self.right = [], []

    def compare_with(self, resource, instance):
        self.after = instance

    def as_html(self):
        resource = self.resource
        if self.after is None or resource.rows_shown >= resource.shown_rows:
            return []
        self.left = self._read_field_values(resource, self.before)
        self.right = self._read_field_values(resource, self.after)
        if self.new:
            # The record has no id yet (the preview's insert is rolled back anyway).
            fields = resource.get_import_fields()
            self.right = [
                "" if field.attribute == "id" else value
                for field, value in zip(fields, self.right, strict=True)
            ]
        elif self.left == self.right:
            return []  # an unchanged row is counted, not shown
        resource.rows_shown += 1
        cells = []
        for before, after in zip(self.left, self.right, strict=True):
            before, after = ("" if value is None else str(value) for value in (before, after))
            if self.new or before == after:
                cells.append(format_html("{}", after))
            else:
                cells.append(format_html("<del>{}</del> → <ins>{}</ins>", before, after))
        return cells


class RegistryResource(resources.ModelResource):
    """One entity's template; subclasses are made by `resource_for()` from `TEMPLATES`."""

    class Meta:
        import_id_fields = ("id",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        # Rows are validated one by one (full_clean()), then written in batches: a 5,000-row
        # file must finish inside the worker's timeout. Rows of one file are checked against
        # each other for uniqueness here (`same_in_file`), since they reach the database later.
        use_bulk = True
        batch_size = 1000

    def __init__(self, user=None, may_add=False, may_change=False, shown_rows=None, **kwargs):
        super().__init__(**kwargs)
        # How many rows that create or change a record get their cells in the preview.
        self.shown_rows = 10**9 if shown_rows is None else shown_rows
        self.rows_shown = 0
        self.scope = Scope(user, may_add=may_add, may_change=may_change)
        # Sheet row of each id met so far: two rows for one record is a mistake, not an order.
        self.rows_of_ids = {}
        # Sheet row of each unique value met so far (constraint name, values) → row.
        self.rows_of_values = {}
        # The database's values of each unique constraint, read once (constraint_checks).
        self.unique_values = {}
        self.row_number = None

    @property
    def model(self):
        return self._meta.model

    @cached_property
    def column_of(self) -> dict[str, str]:
        return {
            attribute: field.column_name
            for field in self.fields.values()
            for attribute in field.attributes()
        }

    def headings(self) -> list[str]:
        return [field.column_name for field in self.get_import_fields()]

    def get_diff_class(self):
        return PlainDiff

    def filter_export(self, queryset, **kwargs):
        # The code columns print the district's and the sector's codes.
        related = [name for name in ("district", "sector") if name in self.fields]
        return queryset.select_related(*related)

    def before_import(self, dataset, **kwargs):
        if not len(dataset):
            raise LayoutError(_("The file has no rows to import."))
        headings = [heading or "" for heading in dataset.headers]
        known = {field.column_name for field in self.fields.values()}
        unknown = [heading for heading in headings if heading not in known]
        repeated = sorted({heading for heading in headings if headings.count(heading) > 1})
        if unknown or repeated:
            problems = []
            if unknown:
                problems.append(_("unknown columns: %s") % "、".join(h or "?" for h in unknown))
            if repeated:
                problems.append(_("repeated columns: %s") % "、".join(repeated))
            raise LayoutError(
                _(
                    "The headings do not match the template (%(problems)s). Its columns are: "
                    "%(columns)s."
                )
                % {"problems": "; ".join(problems), "columns": "、".join(self.headings())}
            )
        if ID_COLUMN not in headings:
            dataset.append_col([None] * len(dataset), header=ID_COLUMN)

    def get_or_init_instance(self, instance_loader, row):
        """New without an id; with one, a record the user may change, or "not found"."""
        value = row.get(ID_COLUMN)
        if blank(value):
            if not self.scope.may_add:
                raise ValidationError({ID_COLUMN: _("You may not add records of this kind.")})
            return self.init_instance(row), True
        try:
            record_id = IntegerWidget().clean(value)
        except ValueError as error:
            raise ValidationError({ID_COLUMN: str(error)}) from None
        related = [name for name in ("district", "sector") if name in self.fields]
        queryset = self.scope.records(self.model.objects.select_related(*related))
        record = queryset.filter(pk=record_id).first()
        refusal = record and self.scope.refusal(RecordAction.CHANGE, record)
        if record is None or (refusal and refusal.code == NOT_YOURS):
            # The same answer whether the record does not exist or is another district's.
            raise ValidationError(
                {ID_COLUMN: _("There is no record with id %(id)s.") % {"id": record_id}}
            )
        if not self.scope.may_change:
            raise ValidationError(
                {ID_COLUMN: _("You may not change existing records; leave 编号 empty to add.")}
            )
        if refusal:
            # E.g. an editor and a published record: a publisher's change.
            raise ValidationError({ID_COLUMN: refusal.message})
        first_row = self.rows_of_ids.setdefault(record_id, self.row_number)
        if first_row != self.row_number:
            raise ValidationError(
                {ID_COLUMN: _("Row %(row)s already has this id.") % {"row": first_row}}
            )
        return record, False

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        super().import_field(field, instance, row, is_m2m, scope=self.scope, **kwargs)

    def import_row(self, row, instance_loader, **kwargs):
        # The sheet's own row number: the headings are row 1.
        self.row_number = kwargs["row_number"] + 1
        row_result = super().import_row(row, instance_loader, **kwargs)
        for error in row_result.errors:
            if isinstance(error.error, DatabaseBusy | OperationalError):
                # Not this row's fault, and every later row would wait for the same lock: the
                # whole import stops, rolled back, and the page says to try again.
                raise DatabaseBusy from error.error
        row_result.number = self.row_number
        return row_result

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's full_clean(), its errors filed under the columns' headings."""
        errors = dict(import_validation_errors or {}) | self.policy_errors(instance)
        known = KNOWN_REFERENCES.set(self.scope.known)
        unique_values = constraint_checks.UNIQUE_VALUES.set(self.unique_values)
        try:
            instance.full_clean(exclude=errors.keys(), validate_unique=validate_unique)
        except ValidationError as error:
            # A cell that could not be read is the cause: clean()'s word on the same field
            # (e.g. "needs its parent" after "no such institution") would only repeat it.
            found = error.message_dict if hasattr(error, "error_dict") else {}
            errors |= {name: value for name, value in found.items() if name not in errors}
            if not hasattr(error, "error_dict"):
                errors.setdefault(NON_FIELD_ERRORS, []).extend(error.messages)
        finally:
            KNOWN_REFERENCES.reset(known)
            constraint_checks.UNIQUE_VALUES.reset(unique_values)
        if not errors:
            errors = self.same_in_file(instance)
        if errors:
            raise ValidationError(self.by_column(errors))

    def same_in_file(self, instance) -> dict:
        """A unique value an earlier row of the file already has: the database does not hold
        that row yet (rows are written in batches), so full_clean() cannot see it."""
        errors = {}
        for constraint in self.model._meta.constraints:
            if not isinstance(constraint, UniqueConstraint) or not constraint.fields:
                continue
            fields = [self.model._meta.get_field(name) for name in constraint.fields]
            values = tuple(getattr(instance, field.attname) for field in fields)
            if None in values or not constraint_checks.holds(constraint.condition, instance):
                continue
            first = self.rows_of_values.setdefault((constraint.name, values), self.row_number)
            if first == self.row_number:
                continue
            if constraint.condition is None and (
                constraint.violation_error_message == constraint.default_violation_error_message
            ):
                message = instance.unique_error_message(self.model, constraint.fields).messages[0]
            else:
                message = constraint.get_violation_error_message()
            name = constraint.fields[0] if len(fields) == 1 else NON_FIELD_ERRORS
            same = _("%(message)s (the same as row %(row)s of this file)")
            errors.setdefault(name, []).append(same % {"message": message, "row": first})
        return errors

    def save_instance(self, instance, is_create, row, **kwargs):
        if not is_create and "updated_at" in self.stamped_fields:
            # bulk_update() skips auto_now: a changed record must still say when it changed
            # (API mirrors, the back office's version of a form).
            instance.updated_at = timezone.now()
        super().save_instance(instance, is_create, row, **kwargs)

    def get_bulk_update_fields(self):
        return [*super().get_bulk_update_fields(), *self.stamped_fields]

    @cached_property
    def stamped_fields(self) -> list[str]:
        return [f.name for f in self.model._meta.concrete_fields if f.name == "updated_at"]

    def handle_import_error(self, result, error, raise_errors=False):
        # A batch write that waited for a lock: not the file's fault (see import_row).
        if isinstance(error, DatabaseBusy | OperationalError):
            raise DatabaseBusy from error
        super().handle_import_error(result, error, raise_errors)

    def policy_errors(self, instance) -> dict:
        """The permission policy's last word on the record as the row leaves it (its district
        may have changed), as the admin's save asks it."""
        district = "district" in self.fields and instance._meta.get_field("district")
        if district and instance.district_id is None and not district.null:
            return {}  # full_clean() says the district is required
        action = RecordAction.ADD if instance._state.adding else RecordAction.CHANGE
        refusal = self.scope.refusal(action, instance)
        if refusal is None:
            return {}
        return {"district" if "district" in self.fields else NON_FIELD_ERRORS: [refusal.message]}

    def by_column(self, errors: dict) -> dict:
        by_column = {}
        for name, messages_ in errors.items():
            messages_ = ValidationError(messages_).messages
            if name in self.column_of:
                by_column.setdefault(self.column_of[name], []).extend(messages_)
            elif name == NON_FIELD_ERRORS:
                by_column.setdefault(NON_FIELD_ERRORS, []).extend(messages_)
            else:
                label = self.model._meta.get_field(name).verbose_name
                by_column.setdefault(NON_FIELD_ERRORS, []).extend(
                    f"{label}: {message}" for message in messages_
                )
        return by_column


def resource_for(model, columns: dict[str, str]) -> type[RegistryResource]:
    attributes = {name: make_column(model, name, heading) for name, heading in columns.items()}
    attributes["Meta"] = type(
        "Meta",
        (RegistryResource.Meta,),
        {"model": model, "fields": tuple(columns), "import_order": tuple(columns)},
    )
    return type(f"{model.__name__}Resource", (RegistryResource,), attributes)


RESOURCES = {model: resource_for(model, columns) for model, columns in TEMPLATES.items()}
