"""The back office for outcomes and targets.

A project's outcomes can also be edited in compact rows on the project's page
(`partnerships.admin.OutcomeInline`); this page has every field. Each figure is shown with its
qualifier and unit, and its source sits right under it, so a reviewer checks the number against
the quoted passage without scrolling.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from outcomes.models import Outcome, Target
from partnerships.admin import (
    PUBLICATION_FIELDSET,
    SOURCE_FIELDSET,
    BackOfficeAdmin,
    format_figure,
    partial_date,
)
from partnerships.spreadsheets.admin import SpreadsheetMixin

ATTRIBUTION_FIELDSET = (
    _("Attributed to"),
    {"fields": ("project", "agreement", "institution", "enterprise")},
)
# Every FK a figure row shows: the attributed records (an institution's name includes its
# parent's) and the source.
FIGURE_SELECT_RELATED = (
    "project",
    "agreement",
    "institution__parent",
    "enterprise",
    "source",
)


class FigureAdmin(BackOfficeAdmin):
    list_select_related = FIGURE_SELECT_RELATED
    search_fields = ("description", "reported_text", "source_passage")
    autocomplete_fields = (
        "district",
        "project",
        "agreement",
        "institution",
        "enterprise",
        "source",
    )
    show_full_result_count = False

    @admin.display(description=_("figure"), ordering="quantity")
    def figure(self, obj):
        return format_figure(obj.quantity, obj.qualifier, obj.get_unit_display())

    @admin.display(description=_("attributed to"))
    def attributed(self, obj):
        return "; ".join(str(record) for record in obj.attributed_to) or None


@admin.register(Outcome)
class OutcomeAdmin(SpreadsheetMixin, FigureAdmin):
    list_display = (
        "__str__",
        "kind",
        "figure",
        "basis",
        "as_of_or_period",
        "attributed",
        "state",
        "source",
    )
    list_filter = ("kind", "unit", "qualifier", "basis", "form", "state", "district")
    search_fields = (
        *FigureAdmin.search_fields,
        "title",
        "patent_number",
        "software_copyright_number",
        "standard_number",
    )
    fieldsets = (
        (None, {"fields": ("district", "kind", "form", "description")}),
        (_("Figure"), {"fields": (("quantity", "unit", "qualifier", "reported_text"),)}),
        SOURCE_FIELDSET,
        (
            _("Date or period"),
            {
                "fields": (
                    "basis",
                    ("as_of", "as_of_precision"),
                    ("period_start", "period_start_precision"),
                    ("period_end", "period_end_precision"),
                )
            },
        ),
        ATTRIBUTION_FIELDSET,
        (
            _("Itemised record"),
            {
                "fields": (
                    "title",
                    "title_en",
                    ("patent_number", "patent_type", "patent_status"),
                    "software_copyright_number",
                    ("standard_number", "standard_level"),
                    "enterprise_category",
                )
            },
        ),
        PUBLICATION_FIELDSET,
    )

    @admin.display(description=_("as of / period"))
    def as_of_or_period(self, obj):
        if obj.as_of:
            return partial_date(obj.as_of_date)
        start, end = (str(date) for date in obj.period)
        return f"{start}–{end}" if start or end else None


@admin.register(Target)
class TargetAdmin(SpreadsheetMixin, FigureAdmin):
    list_display = ("__str__", "kind", "figure", "due", "attributed", "state", "source")
    list_filter = ("kind", "unit", "qualifier", "quantity_is_stated", "state", "district")
    fieldsets = (
        (None, {"fields": ("district", "kind", "description")}),
        (
            _("Figure"),
            {
                "fields": (
                    ("quantity", "unit", "qualifier", "reported_text"),
                    "quantity_is_stated",
                )
            },
        ),
        SOURCE_FIELDSET,
        (
            _("Period"),
            {
                "fields": (
                    ("period_start", "period_start_precision"),
                    ("due_on", "due_on_precision"),
                )
            },
        ),
        ATTRIBUTION_FIELDSET,
        PUBLICATION_FIELDSET,
    )

    @admin.display(description=_("due by"), ordering="due_on")
    def due(self, obj):
        return partial_date(obj.due)
