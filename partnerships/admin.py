"""The back office (Django admin) for districts, sources, institutions, agreements and projects.

Admin is an interface module: it sits above every data module (STYLE.md, "Layers") and may
import any app's models. Each app's admin registers only its own models, but an agreement's and a
project's page shows all their parties in one place, so the inlines for enterprise parties
(`companies`) and for a project's outcomes (`outcomes`) are declared here, next to the admin they
belong to. Importing those models is the simplest clean way: the other choice, `companies.admin`
appending to `AgreementAdmin.inlines` at import time, would hide part of this page in another file
and depend on the order apps are loaded in.

The small helpers the other apps' admins share (the form that never loses an error, the USCC
warning, date and figure columns) live here too; `companies.admin` and `outcomes.admin` import
them, never the other way round.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from companies.models import AgreementEnterprise, ProjectEnterprise
from config.accounts import session_start
from outcomes.choices import Unit
from outcomes.models import Outcome
from partnerships import services
from partnerships.choices import DistrictLevel, TokenScope
from partnerships.models import (
    Agreement,
    AgreementParty,
    ApiToken,
    Deletion,
    District,
    DistrictRole,
    Institution,
    PartialDate,
    Project,
    ProjectParticipant,
    Source,
)

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


class BackOfficeAdmin(InstitutionChoicesMixin, admin.ModelAdmin):
    form = BackOfficeForm
    formfield_overrides = URL_FIELD_OVERRIDES
    readonly_fields = TIMESTAMPS


class BackOfficeInline(InstitutionChoicesMixin, admin.TabularInline):
    form = BackOfficeForm
    extra = 0


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
    def add_fields(self, form, index):
        super().add_fields(form, index)
        # The compact row has no district column: a new outcome belongs to its project's
        # district, which is also what `Outcome.clean()` requires.
        if form.instance.pk is None:
            form.instance.district_id = self.instance.district_id


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


@admin.register(District)
class DistrictAdmin(BackOfficeAdmin):
    list_display = ("__str__", "code", "name", "name_en", "level")
    search_fields = ("code", "name", "name_en")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en")}),
        (_("Record"), {"fields": TIMESTAMPS}),
    )

    @admin.display(description=_("level"))
    def level(self, obj):
        return DistrictLevel(obj.level).label


@admin.register(Source)
class SourceAdmin(BackOfficeAdmin):
    list_display = ("title", "publisher", "published", "authors", "url")
    search_fields = ("title", "publisher", "authors", "url")
    list_filter = ("published_on_precision",)
    fieldsets = (
        (None, {"fields": ("title", "publisher", "authors", "url")}),
        (_("Publication date"), {"fields": (("published_on", "published_on_precision"),)}),
        (_("Note"), {"fields": ("note",)}),
        (_("Record"), {"fields": TIMESTAMPS}),
    )

    @admin.display(description=_("publication date"), ordering="published_on")
    def published(self, obj):
        return partial_date(obj.published)


@admin.register(Institution)
class InstitutionAdmin(UsccWarningMixin, BackOfficeAdmin):
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
class AgreementAdmin(BackOfficeAdmin):
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
class ProjectAdmin(BackOfficeAdmin):
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


@admin.register(DistrictRole)
class DistrictRoleAdmin(BackOfficeAdmin):
    list_display = ("user", "district", "role", "created_at")
    list_filter = ("role", "district")
    list_select_related = ("user", "district")
    search_fields = ("user__username", "district__name", "district__code")
    autocomplete_fields = ("user", "district")
    readonly_fields = TIMESTAMPS


class ApiTokenCreationForm(forms.ModelForm):
    """Creating a token asks for its lifetime; the secret is generated, never typed."""

    days = forms.IntegerField(
        label=_("valid for (days)"),
        min_value=1,
        max_value=366,
        initial=services.DEFAULT_TOKEN_DAYS,
    )

    class Meta:
        model = ApiToken
        fields = ("user", "name", "scope")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created here or with `manage.py create_api_token`; the secret is shown once."""

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
    autocomplete_fields = ("user",)
    actions = ("revoke",)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name", "scope", "days")
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
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            scope=form.cleaned_data.get("scope") or TokenScope.READ,
            days=form.cleaned_data["days"],
        )
        # The admin goes on with `obj` (messages, redirect): make it the saved token.
        obj.pk, obj.prefix, obj.expires_at = token.pk, token.prefix, token.expires_at
        obj._state.adding = False
        messages.warning(
            request,
            _("The new token is %(token)s — copy it now: it is shown only this once.")
            % {"token": plain},
        )

    @admin.display(description=_("active"), boolean=True)
    def active(self, token: ApiToken) -> bool:
        return token.is_active

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
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


# --- Accounts (issue 5, item 5) ------------------------------------------------------------------
# The absolute session cap and the password due time are noted at log-in. Connected here because
# the admin is loaded at start-up (autodiscovery) and is where staff log in; config.accounts has
# the rules.
user_logged_in.connect(session_start, dispatch_uid="registry-session-start")


class RegistryUserAdmin(UserAdmin):
    """Django's user admin, but unticking "active" ends the user's sessions and API tokens."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.user_deactivate(obj)


admin.site.unregister(User)
admin.site.register(User, RegistryUserAdmin)
