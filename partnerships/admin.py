"""The back office (Django admin) for districts, sources, institutions, agreements and projects.

Admin is an interface module: it sits above every data module (the import-linter contracts in
pyproject.toml) and may import any app's models. Each app's admin registers only its own
models, but an agreement's and a project's page shows all their parties in one place, so the
inlines for enterprise parties (`companies`) and for a project's outcomes (`outcomes`) are
declared here, next to the admin they belong to. Importing those models is the simplest clean
way: the other choice, `companies.admin` appending to `AgreementAdmin.inlines` at import time,
would hide part of this page in another file and depend on the order apps are loaded in.

The small helpers the other apps' admins share (the form that never loses an error, the USCC
warning, date and figure columns) live here too; `companies.admin` and `outcomes.admin` import
them, never the other way round.
"""

from decimal import Decimal

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group, User
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import OperationalError, models, router, transaction
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from companies.models import AgreementEnterprise, ProjectEnterprise
from outcomes.choices import Unit
from outcomes.models import Outcome
from partnerships import form_versions, services
from partnerships.accounts import session_start
from partnerships.choices import DistrictLevel, RecordAction, StaffRole, TokenScope
from partnerships.models import (
    Agreement,
    AgreementParty,
    ApiToken,
    AuditEntry,
    DatabaseBusy,
    Deletion,
    District,
    DistrictRole,
    Institution,
    PartialDate,
    Project,
    ProjectParticipant,
    PublishableModel,
    Source,
)
from partnerships.selectors import (
    CHILD_PARENTS,
    back_office_records,
    choices_for,
    district_roles,
    may,
    may_anywhere,
    policy_covers,
    why_not,
)
from partnerships.spreadsheets.admin import SpreadsheetMixin

# One definition of the qualifier words and of a stored quantity's text, shared with the public
# pages; re-exported here for the other apps' admins.
from partnerships.templatetags.registry import QUALIFIER_PREFIXES, format_quantity

admin.site.site_header = _("University–district partnership registry")
admin.site.site_title = _("Partnership registry back office")
admin.site.index_title = _("Records")

TIMESTAMPS = ("created_at", "updated_at")
# Fieldsets every source-citing record ends with.
SOURCE_FIELDSET = (_("Source"), {"fields": ("source", "source_passage")})
PUBLICATION_FIELDSET = (_("Publication"), {"fields": ("state", *TIMESTAMPS)})


def format_figure(quantity: Decimal | None, qualifier: str, unit: str) -> str | None:
    """A figure with its qualifier and unit, e.g. "多 68000000 元"; None when there is none."""
    if quantity is None:
        return None
    parts = [str(QUALIFIER_PREFIXES.get(qualifier, "")), format_quantity(quantity), str(unit)]
    return " ".join(part for part in parts if part)


def partial_date(value: PartialDate) -> str | None:
    """A date at the precision the source gives ("2019年3月"); None shows the empty marker."""
    return str(value) or None


class BackOfficeForm(forms.ModelForm):
    """The model form of every admin page and inline here.

    `Model.clean()` may name a field that a form does not show (an inline shows a few columns
    of an outcome, `clean()` checks all of them); Django would raise ValueError and answer with
    a server error. Such errors are shown above the form instead, prefixed with the field's
    name, so staff see what to fix and nothing is saved.
    """

    # The user the back office builds this form for (BackOfficeAdmin.get_form); None elsewhere.
    policy_user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_versions.add_version(self)

    def _post_clean(self):
        # Before the model's validation: a stale form is refused whatever its values
        # (partnerships/form_versions.py).
        if form_versions.refuse_stale(self):
            return
        try:
            # A savepoint, so that a database error here leaves the page's transaction usable
            # for showing the form again.
            with transaction.atomic(using=router.db_for_write(self._meta.model)):
                super()._post_clean()
        except DatabaseBusy:
            self.add_error(None, DatabaseBusy.message)
            return
        # A new record the user may not add (a certification of an enterprise that is already
        # published, for an editor) is a message on the form, not a refusal after saving.
        instance = self.instance
        if self._errors or self.policy_user is None or instance.pk is not None:
            return
        if policy_covers(type(instance)):
            refusal = why_not(self.policy_user, RecordAction.ADD, instance)
            if refusal is not None:
                self.add_error(None, refusal.message)

    def add_error(self, field, error):
        if field is None:
            if not isinstance(error, ValidationError):
                error = ValidationError(error)
            if hasattr(error, "error_dict") and set(error.error_dict) - {
                NON_FIELD_ERRORS,
                *self.fields,
            }:
                error = ValidationError(self._move_hidden_errors(error.error_dict))
        super().add_error(field, error)

    def _move_hidden_errors(self, error_dict: dict) -> dict:
        moved = {}
        for name, errors in error_dict.items():
            if name == NON_FIELD_ERRORS or name in self.fields:
                moved.setdefault(name, []).extend(errors)
                continue
            label = self._field_label(name)
            moved.setdefault(NON_FIELD_ERRORS, []).extend(
                ValidationError(format_lazy("{}: {}", label, message))
                for message in ValidationError(errors).messages
            )
        return moved

    def _field_label(self, name: str):
        try:
            return capfirst(self._meta.model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return name


# Addresses typed without a scheme are taken as https (the Django 6.0 default).
URL_FIELD_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}


class InstitutionChoicesMixin:
    """An institution's name includes its parent's: choose institutions with their parents.

    The autocomplete widget prints each selected institution; without the join every
    institution field on a page would cost one more query for the parent's name.
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Institution:
            kwargs.setdefault("queryset", Institution.objects.select_related("parent"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- The permission policy in the back office (partnerships.selectors) ---------------------------


def is_autocomplete(request) -> bool:
    match = request.resolver_match
    return match is not None and match.url_name == "autocomplete"


def limit_choices(request, model, db_field, formfield):
    """A foreign key of a `model` form offers only what the policy lets the user point it at."""
    if isinstance(formfield, forms.ModelChoiceField):
        formfield.queryset = choices_for(request.user, model, db_field.name, formfield.queryset)
    return formfield


def parent_changeable(request, parent) -> bool:
    """Rows of a record (parties, participants, certifications) are changed by changing it."""
    return parent is None or may(request.user, RecordAction.CHANGE, parent)


def refusal_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


# The admin actions that make a workflow step on the selected records.
STEP_ACTIONS = {
    "submit_selected": RecordAction.SUBMIT,
    "publish_selected": RecordAction.PUBLISH,
    "withdraw_selected": RecordAction.WITHDRAW,
    "return_selected_to_draft": RecordAction.RETURN_TO_DRAFT,
}


class PolicyAdminMixin:
    """What every admin of a model the permission policy covers asks it: which rows a list,
    page or autocomplete shows (another district's answers 404), what a foreign key may point
    at, and whether the user may view, add, change or delete. Django's model permissions are
    asked first, as always; the policy narrows them."""

    def _may(self, request, action: str, obj) -> bool:
        return obj is None or not policy_covers(self.model) or may(request.user, action, obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not policy_covers(self.model) or is_autocomplete(request):
            # An autocomplete offers what the form accepts: get_search_results narrows it.
            return queryset
        return back_office_records(request.user, queryset)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if is_autocomplete(request) and policy_covers(self.model):
            try:
                source = apps.get_model(request.GET["app_label"], request.GET["model_name"])
            except (KeyError, LookupError):
                raise PermissionDenied from None
            field_name = request.GET.get("field_name", "")
            queryset = choices_for(request.user, source, field_name, queryset)
        return queryset, may_have_duplicates

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another district's record is not "gone" (the admin's redirect with a warning): for
        # this user it does not exist, as in the API.
        raise Http404(_("No such record."))

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._may(
            request, RecordAction.VIEW, obj
        )

    def has_add_permission(self, request):
        allowed = super().has_add_permission(request)
        if not allowed or not policy_covers(self.model):
            return allowed
        if (
            issubclass(self.model, PublishableModel)
            or self.model._meta.label_lower in CHILD_PARENTS
            or self.model is Source
        ):
            # Which district (or which parent record): the form's choices say.
            return may_anywhere(request.user, RecordAction.ADD)
        return may(request.user, RecordAction.ADD, self.model())

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may(
            request, RecordAction.CHANGE, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may(
            request, RecordAction.DELETE, obj
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return limit_choices(request, self.model, db_field, formfield)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except OperationalError:
            # The save waited for a lock (DB_LOCK_TIMEOUT_MS) or lost its connection: rolled
            # back, nothing saved; the same page again, with the reason.
            self.message_user(request, DatabaseBusy.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if not change and policy_covers(self.model):
            # The form's choices already keep to the user's districts; this is the last word.
            refusal = why_not(request.user, RecordAction.ADD, obj)
            if refusal is not None:
                raise PermissionDenied(refusal.message)
        super().save_model(request, obj, form, change)


class BackOfficeAdmin(InstitutionChoicesMixin, PolicyAdminMixin, admin.ModelAdmin):
    """The admin of every registry model, following the permission policy.

    Staff see their own districts' records only (lists, pages, autocompletes and choices offer
    their districts' records and published ones); another district's record answers 404; a
    record their role may not change in its state is shown read-only. The publication state is
    read-only: it moves by the workflow steps, offered as actions on the list and as buttons on
    the record's page (`templates/admin/<app>/change_form.html`), each calling its service.
    """

    form = BackOfficeForm
    formfield_overrides = URL_FIELD_OVERRIDES
    readonly_fields = TIMESTAMPS

    @property
    def publishable(self) -> bool:
        return issubclass(self.model, PublishableModel)

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if self.publishable and "state" not in fields:
            # New records are drafts; the state moves only by the workflow steps.
            fields += ("state",)
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.policy_user = request.user  # a class made for this request by modelform_factory
        return form

    # --- Workflow steps: list actions and buttons ---------------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.publishable and IS_POPUP_VAR not in request.GET:
            for name, step in STEP_ACTIONS.items():
                if may_anywhere(request.user, step):
                    actions[name] = self.get_action(name)
        return actions

    def step_selected(self, request, queryset, step: str) -> None:
        """Make `step` on each selected record; each one is all or nothing on its own."""
        done, state = 0, ""
        for record in queryset:
            try:
                services.record_step(record, step, user=request.user)
            except (PermissionDenied, Http404, ValidationError) as error:
                self.message_user(request, f"“{record}”: {refusal_text(error)}", messages.ERROR)
            else:
                done += 1
                state = record.get_state_display()
                self.log_change(request, record, str(RecordAction(step).label))
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d record is now %(state)s.",
                    "%(count)d records are now %(state)s.",
                    done,
                )
                % {"count": done, "state": state},
                messages.SUCCESS,
            )

    @admin.action(description=_("Submit the selected records for review"))
    def submit_selected(self, request, queryset):
        self.step_selected(request, queryset, RecordAction.SUBMIT)

    @admin.action(description=_("Publish the selected records"))
    def publish_selected(self, request, queryset):
        self.step_selected(request, queryset, RecordAction.PUBLISH)

    @admin.action(description=_("Withdraw the selected records from the public"))
    def withdraw_selected(self, request, queryset):
        self.step_selected(request, queryset, RecordAction.WITHDRAW)

    @admin.action(description=_("Return the selected records to draft"))
    def return_selected_to_draft(self, request, queryset):
        self.step_selected(request, queryset, RecordAction.RETURN_TO_DRAFT)

    def get_urls(self):
        urls = super().get_urls()
        if not self.publishable:
            return urls
        name = f"{self.opts.app_label}_{self.opts.model_name}_step"
        view = self.admin_site.admin_view(self.record_step_view)
        # Before the admin's catch-all "<object_id>/" pattern.
        return [path("<path:object_id>/step/<str:step>/", view, name=name), *urls]

    def record_step_view(self, request, object_id, step):
        """A workflow step from a button on the record's page (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if step not in RecordAction.transitions:
            raise Http404(_("No such step."))
        if not self.has_view_permission(request):
            raise PermissionDenied
        record = self.get_object(request, unquote(object_id))
        if record is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        try:
            services.record_step(record, step, user=request.user)
        except ValidationError as error:
            self.message_user(request, refusal_text(error), messages.ERROR)
        else:
            self.log_change(request, record, str(RecordAction(step).label))
            self.message_user(
                request,
                _("“%(record)s” is now %(state)s.")
                % {"record": record, "state": record.get_state_display()},
                messages.SUCCESS,
            )
        opts = self.opts
        return redirect(
            reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[record.pk],
                current_app=self.admin_site.name,
            )
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if self.publishable and obj is not None and not add:
            opts = self.opts
            context["record_steps"] = [
                {
                    "label": RecordAction(step).label,
                    "url": reverse(
                        f"admin:{opts.app_label}_{opts.model_name}_step",
                        args=[obj.pk, step],
                        current_app=self.admin_site.name,
                    ),
                }
                for step in RecordAction.transitions
                if may(request.user, step, obj)
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)


class BackOfficeInline(InstitutionChoicesMixin, admin.TabularInline):
    """Rows of a record follow it: read-only where the user may not change the record."""

    form = BackOfficeForm
    extra = 0

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and parent_changeable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and parent_changeable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and parent_changeable(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return limit_choices(request, self.model, db_field, formfield)


class UsccWarningMixin:
    """After saving, warn (never refuse) when the USCC does not start as this kind usually does.

    The model decides what is unusual (`uscc_warning()`); a legal but surprising code is the
    editor's call, so it is a message on the next page, not a form error.
    """

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        warning = obj.uscc_warning()
        if warning:
            messages.warning(request, warning)


class PartyInline(BackOfficeInline):
    """A district government or an institution with its role (agreement parties, participants)."""

    fields = ("district", "institution", "role", "note")
    autocomplete_fields = ("district", "institution")

    def get_queryset(self, request):
        # Each row's heading prints the party: an institution's name includes its parent's.
        return super().get_queryset(request).select_related("district", "institution__parent")


class AgreementPartyInline(PartyInline):
    model = AgreementParty


class ProjectParticipantInline(PartyInline):
    model = ProjectParticipant


class EnterprisePartyInline(BackOfficeInline):
    fields = ("enterprise", "role", "note")
    autocomplete_fields = ("enterprise",)

    def get_queryset(self, request):
        # Each row's heading prints the enterprise's name.
        return super().get_queryset(request).select_related("enterprise")


class AgreementEnterpriseInline(EnterprisePartyInline):
    model = AgreementEnterprise


class ProjectEnterpriseInline(EnterprisePartyInline):
    model = ProjectEnterprise


class OutcomeInlineFormSet(BaseInlineFormSet):
    user = None  # set by OutcomeInline.get_formset

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # The compact row has no district column: a new outcome belongs to its project's
        # district, which is also what `Outcome.clean()` requires.
        if form.instance.pk is None:
            form.instance.district_id = self.instance.district_id

    def clean(self):
        super().clean()
        # An outcome is a record of its own, with its own state: on a project page an editor
        # may change, say, a draft outcome but not a published one.
        for form in self.initial_forms:
            if self._should_delete_form(form):
                action = RecordAction.DELETE
            elif form.has_changed():
                action = RecordAction.CHANGE
            else:
                continue
            refusal = why_not(self.user, action, form.instance)
            if refusal is not None:
                form.add_error(None, refusal.message)


class OutcomeInline(BackOfficeInline):
    """A project's outcomes, one compact row each; the outcome's own page has every field."""

    model = Outcome
    formset = OutcomeInlineFormSet
    fields = (
        "kind",
        "quantity",
        "unit",
        "qualifier",
        "reported_text",
        "basis",
        "source",
        "source_passage",
    )
    autocomplete_fields = ("source",)
    show_change_link = True
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.user = request.user
        return formset


@admin.register(District)
class DistrictAdmin(BackOfficeAdmin):
    list_display = ("__str__", "code", "name", "name_en", "level")
    search_fields = ("code", "name", "name_en")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en")}),
        (_("Record"), {"fields": TIMESTAMPS}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_referenced():
            # Rights follow the code: once anything refers to it, it stays (District.clean).
            fields += ("code",)
        return fields

    @admin.display(description=_("level"))
    def level(self, obj):
        return DistrictLevel(obj.level).label


@admin.register(Source)
class SourceAdmin(SpreadsheetMixin, BackOfficeAdmin):
    list_display = ("title", "publisher", "published", "authors", "url")
    search_fields = ("title", "publisher", "authors", "url")
    list_filter = ("published_on_precision",)
    fieldsets = (
        (None, {"fields": ("title", "publisher", "authors", "url", "district")}),
        (_("Publication date"), {"fields": (("published_on", "published_on_precision"),)}),
        (_("Note"), {"fields": ("note",)}),
        (_("Record"), {"fields": TIMESTAMPS}),
    )

    @admin.display(description=_("publication date"), ordering="published_on")
    def published(self, obj):
        return partial_date(obj.published)


@admin.register(Institution)
class InstitutionAdmin(SpreadsheetMixin, UsccWarningMixin, BackOfficeAdmin):
    # The name column prints "parent name": the parent comes with the row.
    list_display = ("__str__", "kind", "district", "location", "state")
    list_select_related = ("parent", "district")
    list_filter = ("state", "kind", "district")
    search_fields = ("name", "name_en", "short_name", "parent__name", "school_code", "uscc")
    autocomplete_fields = ("parent", "district", "source")
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("name", "name_en", "short_name", "kind", "parent")}),
        (_("Place"), {"fields": ("district", "location")}),
        (_("Identifiers"), {"fields": ("school_code", "uscc", "ror_id", "website")}),
        (_("Description"), {"fields": ("description",)}),
        SOURCE_FIELDSET,
        PUBLICATION_FIELDSET,
    )


@admin.register(Agreement)
class AgreementAdmin(SpreadsheetMixin, BackOfficeAdmin):
    list_display = ("title", "kind", "status", "signed", "district", "part_of", "state")
    list_select_related = ("district", "part_of")
    list_filter = ("state", "kind", "status", "signed_on_precision", "district")
    search_fields = ("title", "title_en")
    autocomplete_fields = ("district", "part_of", "source")
    show_full_result_count = False
    inlines = (AgreementPartyInline, AgreementEnterpriseInline)
    fieldsets = (
        (None, {"fields": ("title", "title_en", "district", "kind", "status")}),
        (
            _("Dates and term"),
            {
                "fields": (
                    ("signed_on", "signed_on_precision"),
                    ("starts_on", "starts_on_precision"),
                    ("ends_on", "ends_on_precision"),
                    "term_months",
                )
            },
        ),
        (_("Phases"), {"fields": ("part_of", "phase_number")}),
        (_("Summary"), {"fields": ("summary", "summary_en")}),
        SOURCE_FIELDSET,
        PUBLICATION_FIELDSET,
    )

    @admin.display(description=_("signing date"), ordering="signed_on")
    def signed(self, obj):
        return partial_date(obj.signed)


@admin.register(Project)
class ProjectAdmin(SpreadsheetMixin, BackOfficeAdmin):
    list_display = (
        "title",
        "kind",
        "field",
        "status",
        "starts",
        "funding",
        "district",
        "agreement",
        "state",
    )
    list_select_related = ("district", "agreement")
    list_filter = ("state", "kind", "field", "status", "district")
    search_fields = ("title", "title_en", "address")
    autocomplete_fields = ("district", "agreement", "part_of", "source")
    show_full_result_count = False
    inlines = (ProjectParticipantInline, ProjectEnterpriseInline, OutcomeInline)
    fieldsets = (
        (None, {"fields": ("title", "title_en", "district", "agreement", "part_of")}),
        (_("Kind"), {"fields": ("kind", "field", "status")}),
        (
            _("Dates"),
            {
                "fields": (
                    ("starts_on", "starts_on_precision"),
                    ("ends_on", "ends_on_precision"),
                    ("opened_on", "opened_on_precision"),
                )
            },
        ),
        (_("Base or platform"), {"fields": (("floor_area_m2", "floor_area_qualifier"), "address")}),
        (_("Funding"), {"fields": (("funding_yuan", "funding_qualifier"), "funding_note")}),
        (_("Summary"), {"fields": ("summary", "summary_en")}),
        SOURCE_FIELDSET,
        PUBLICATION_FIELDSET,
    )

    def get_inlines(self, request, obj):
        # Outcomes are added once the project is saved: `Outcome.clean()` requires the project
        # it is attributed to, and a project being added has no id to check yet.
        if obj is None:
            return [inline for inline in self.inlines if inline is not OutcomeInline]
        return self.inlines

    @admin.display(description=_("start date"), ordering="starts_on")
    def starts(self, obj):
        return partial_date(obj.starts)

    @admin.display(description=_("funding"), ordering="funding_yuan")
    def funding(self, obj):
        return format_figure(obj.funding_yuan, obj.funding_qualifier, Unit.YUAN.label)


class DistrictRoleForm(BackOfficeForm):
    """A new district role passes the checks of `services.staff_role_assign` (三权分立)."""

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user") or getattr(self.instance, "user", None)
        role = cleaned.get("role")
        if user is not None and role and "role" in self.changed_data:
            try:
                # Counting the role being replaced too: to swap two exclusive roles, take the
                # old one away first.
                services.staff_role_check(user, role=role)
            except ValidationError as error:
                self.add_error("role", error)
        return cleaned


@admin.register(DistrictRole)
class DistrictRoleAdmin(BackOfficeAdmin):
    form = DistrictRoleForm
    list_display = ("user", "district", "role", "created_at")
    list_filter = ("role", "district")
    list_select_related = ("user", "district")
    search_fields = ("user__username", "district__name", "district__code")
    autocomplete_fields = ("user", "district")
    readonly_fields = TIMESTAMPS

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return TIMESTAMPS
        # Another person or district is another role: delete this one and add that.
        return ("user", "district", *TIMESTAMPS)

    def save_model(self, request, obj, form, change):
        refusal = why_not(request.user, RecordAction.CHANGE if change else RecordAction.ADD, obj)
        if refusal is not None:
            raise PermissionDenied(refusal.message)
        if change:
            super().save_model(request, obj, form, change)
        # Through the service, which also puts the user in the role's group (and finds the
        # row just changed).
        saved = services.staff_role_assign(obj.user, district=obj.district, role=obj.role)
        services.staff_groups_sync(obj.user)  # the role it replaced may leave its group
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.staff_groups_sync(obj.user)

    def delete_queryset(self, request, queryset):
        users = {district_role.user for district_role in queryset.select_related("user")}
        super().delete_queryset(request, queryset)
        for user in users:
            services.staff_groups_sync(user)


class ApiTokenCreationForm(forms.ModelForm):
    """Creating a token asks for its lifetime; the secret is generated, never typed. There is
    no owner to choose: a token belongs to whoever creates it (`manage.py create_api_token
    --user` is the server operator's way to make one for a system account)."""

    days = forms.IntegerField(
        label=_("valid for (days)"),
        min_value=1,
        max_value=366,
        initial=services.DEFAULT_TOKEN_DAYS,
    )

    class Meta:
        model = ApiToken
        fields = ("name", "scope")


@admin.register(ApiToken)
class ApiTokenAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """Tokens are created here, for oneself, or with `manage.py create_api_token`; the secret
    is shown once. A security administrator of the owner's districts may revoke a token."""

    list_display = (
        "name",
        "user",
        "prefix",
        "scope",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "active",
    )
    list_filter = ("scope",)
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    actions = ("revoke",)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "scope", "days")
        return ("user", "name", "prefix", "scope", "expires_at", "revoked_at", "last_used_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # A token's owner, scope and lifetime are fixed; to change them, revoke and create anew.
        return ("user", "prefix", "scope", "expires_at", "revoked_at", "last_used_at")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, plain = services.api_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data.get("scope") or TokenScope.READ,
            days=form.cleaned_data["days"],
        )
        # The admin goes on with `obj` (messages, redirect): make it the saved token.
        obj.pk, obj.user, obj.prefix, obj.expires_at = (
            token.pk,
            token.user,
            token.prefix,
            token.expires_at,
        )
        obj._state.adding = False
        messages.warning(
            request,
            _("The new token is %(token)s — copy it now: it is shown only this once.")
            % {"token": plain},
        )

    @admin.display(description=_("active"), boolean=True)
    def active(self, token: ApiToken) -> bool:
        return token.is_active

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        # The list shows one's own tokens and those of the accounts one administers or audits;
        # all or none: an auditor reads tokens but revokes none.
        tokens = list(queryset.filter(revoked_at__isnull=True).select_related("user"))
        for token in tokens:
            refusal = why_not(request.user, RecordAction.CHANGE, token)
            if refusal is not None:
                raise PermissionDenied(refusal.message)
        for token in tokens:
            services.api_token_revoke(token)
        self.message_user(request, _("The selected tokens are revoked."), messages.SUCCESS)


@admin.register(Deletion)
class DeletionAdmin(admin.ModelAdmin):
    """What the API deletions feed announces; written by the system only."""

    list_display = ("resource", "object_id", "district", "deleted_at")
    list_filter = ("resource",)
    list_select_related = ("district",)
    search_fields = ("resource", "object_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Accounts ------------------------------------------------------------------------------------
# The absolute session cap and the password due time are noted at log-in. Connected here because
# the admin is loaded at start-up (autodiscovery) and is where staff log in;
# partnerships.accounts has the rules.
user_logged_in.connect(session_start, dispatch_uid="registry-session-start")


class RegistryUserChangeForm(UserChangeForm):
    """Groups are roles: no account may hold two of auditor, security and system administrator
    (三权分立), counting the roles it holds in districts too."""

    def clean_groups(self):
        groups = self.cleaned_data["groups"]
        roles = {group.name for group in groups}
        if self.instance.pk is not None:
            roles |= set(self.instance.district_roles.values_list("role", flat=True))
        services.separation_of_duties_check(self.instance, roles)
        return groups


# What only a superuser sets on an account in the back office: rights outside the role system.
# Everyone else grants rights by a district role (`services.staff_role_assign`), which also
# puts the account in the role's group.
SUPERUSER_ONLY_USER_FIELDS = ("is_superuser", "groups", "user_permissions")


class RegistryUserAdmin(PolicyAdminMixin, UserAdmin):
    """Django's user admin through the permission policy: a security administrator sees and
    changes the accounts of his districts only, and never superuser status, groups or raw
    permissions. Unticking "active" ends the user's sessions and API tokens, and group changes
    keep the separation of duties."""

    form = RegistryUserChangeForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, options | {"fields": kept})
            for name, options in fieldsets
            if (
                kept := tuple(
                    field for field in options["fields"] if field not in SUPERUSER_ONLY_USER_FIELDS
                )
            )
        ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.user_deactivate(obj)


admin.site.unregister(User)
admin.site.register(User, RegistryUserAdmin)


class RegistryGroupAdmin(PolicyAdminMixin, GroupAdmin):
    """The role groups, read-only except for a superuser: `setup_roles` sets their permissions."""


admin.site.unregister(Group)
admin.site.register(Group, RegistryGroupAdmin)


# --- Audit trail ---------------------------------------------------------------------------------


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail, read-only for everyone: entries are written by the system alone.

    An auditor reads the entries of the districts they audit, and the entries that belong to no
    district (log-ins, shared reference data); a superuser reads all.
    """

    list_display = (
        "at",
        "action",
        "channel",
        "username",
        "model",
        "object_id",
        "object_repr",
        "client_address",
        "request_id",
    )
    list_filter = ("action", "channel", "model")
    search_fields = ("username", "object_id", "object_repr", "request_id", "client_address")
    date_hierarchy = "at"
    show_full_result_count = False
    fields = (
        "at",
        "action",
        "channel",
        "user_id",
        "username",
        "model",
        "object_id",
        "object_repr",
        "district_id",
        "before",
        "after",
        "detail",
        "request_id",
        "client_address",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # A province's auditor audits every district under it.
        audited = [
            district_id
            for district_id, roles in district_roles(request.user).items()
            if StaffRole.AUDITOR in roles
        ]
        return queryset.filter(Q(district_id__in=audited) | Q(district_id__isnull=True))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
