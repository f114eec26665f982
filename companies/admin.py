"""The back office for sectors, enterprises and their certifications.

Enterprise parties of agreements and projects are edited as inlines on the agreement's and the
project's page (`partnerships.admin`); the shared form, mixins and columns come from there.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from companies.models import Certification, Enterprise, Sector
from partnerships.admin import (
    PUBLICATION_FIELDSET,
    SOURCE_FIELDSET,
    TIMESTAMPS,
    BackOfficeAdmin,
    BackOfficeForm,
    UsccWarningMixin,
    parent_changeable,
    partial_date,
)
from partnerships.spreadsheets.admin import SpreadsheetMixin

CERTIFICATION_FIELDS = (
    "kind",
    "tier",
    "level",
    "title",
    "certificate_number",
    ("issued_on", "issued_on_precision"),
    ("year", "last_year"),
    "batch",
    "stock_code",
)


@admin.register(Sector)
class SectorAdmin(BackOfficeAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")
    readonly_fields = ()
    fields = ("code", "name", "name_en")


class CertificationInline(admin.StackedInline):
    """Stacked: a certification has more fields than a table row can show readably."""

    model = Certification
    form = BackOfficeForm
    extra = 0
    fields = (*CERTIFICATION_FIELDS, "source", "source_passage")
    autocomplete_fields = ("source",)

    # A certification is changed by changing its enterprise (the permission policy).
    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and parent_changeable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and parent_changeable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and parent_changeable(request, obj)


@admin.register(Enterprise)
class EnterpriseAdmin(SpreadsheetMixin, UsccWarningMixin, BackOfficeAdmin):
    list_display = ("name", "uscc", "district", "sector", "founded", "incubator", "state")
    # The incubator column prints the institution's name, which includes its parent's.
    list_select_related = ("district", "sector", "incubator__parent")
    list_filter = ("state", "district")
    search_fields = ("name", "name_en", "uscc")
    autocomplete_fields = ("district", "sector", "incubator", "incubator_project", "source")
    show_full_result_count = False
    inlines = (CertificationInline,)
    fieldsets = (
        (None, {"fields": ("name", "name_en", "district", "sector")}),
        (_("Registration"), {"fields": ("uscc", ("founded_on", "founded_on_precision"))}),
        (_("Origin"), {"fields": ("incubator", "incubator_project")}),
        (_("Contact and description"), {"fields": ("address", "website", "description")}),
        SOURCE_FIELDSET,
        PUBLICATION_FIELDSET,
    )

    @admin.display(description=_("founding date"), ordering="founded_on")
    def founded(self, obj):
        return partial_date(obj.founded)


@admin.register(Certification)
class CertificationAdmin(BackOfficeAdmin):
    list_display = ("__str__", "enterprise", "kind", "tier", "level", "issued", "valid_until")
    # The first two columns print the enterprise's name.
    list_select_related = ("enterprise",)
    list_filter = ("kind", "tier", "level")
    search_fields = ("enterprise__name", "title", "certificate_number", "stock_code")
    autocomplete_fields = ("enterprise", "source")
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("enterprise", *CERTIFICATION_FIELDS)}),
        SOURCE_FIELDSET,
        (_("Record"), {"fields": TIMESTAMPS}),
    )

    @admin.display(description=_("issue date"), ordering="issued_on")
    def issued(self, obj):
        return partial_date(obj.issued)

    @admin.display(description=_("valid until"))
    def valid_until(self, obj):
        return obj.valid_until
