"""What the back-office tests of every app do the same way: read a form, count queries."""

from django import forms
from django.contrib import admin, messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _field_data(bound) -> dict:
    value = bound.value()
    if isinstance(bound.field, forms.BooleanField):
        return {bound.html_name: "on"} if value else {}
    widget = bound.field.widget
    if isinstance(widget, forms.MultiWidget):
        # A date and a time (the user's "date joined"): one input per part, named _0, _1.
        parts = value if isinstance(value, list) else widget.decompress(value)
        return {
            f"{bound.html_name}{suffix}": "" if part is None else str(part)
            for suffix, part in zip(widget.widgets_names, parts, strict=True)
        }
    return {bound.html_name: "" if value is None else value}


def form_data(response) -> dict:
    """The POST data a browser sends for an admin add or change page as it was rendered.

    Every field of the main form with its initial value, and each inline's management form and
    rows, so a test only states the values it changes.
    """
    data = {}
    for bound in response.context["adminform"].form:
        data |= _field_data(bound)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            data |= _field_data(bound)
        for form in formset.forms:
            for bound in form:
                data |= _field_data(bound)
    return data


def post_add(client, model, values: dict, **headers):
    """GET the add page, then POST it as a browser would with `values` changed."""
    url = admin_url(model, "add")
    data = form_data(client.get(url, **headers)) | values
    return client.post(url, data, **headers)


def post_change(client, record, values: dict, **headers):
    """GET the change page, then POST it as a browser would with `values` changed."""
    url = admin_url(type(record), "change", record.pk)
    data = form_data(client.get(url, **headers)) | values
    return client.post(url, data, **headers)


def warnings(response) -> list[str]:
    """The warning messages a (followed) response shows."""
    return [m.message for m in response.context["messages"] if m.level == messages.WARNING]


def form_errors(response) -> dict:
    """The main form's errors as {field: [codes or messages]} of the redisplayed page."""
    return response.context["adminform"].form.errors.as_data()


def error_text(response, field: str) -> str:
    """The main form's error messages for `field`, as the page prints them."""
    return " ".join(response.context["adminform"].form.errors[field])


def changelist_queries(client, model, query: str = "") -> int:
    """The number of queries one changelist request runs (the page must render)."""
    url = admin_url(model, "changelist") + query
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def list_filter_values(model, existing) -> list[tuple[str, str, dict]]:
    """Every (parameter, value, ORM lookup) a changelist's `list_filter` offers.

    Choices give one value each, booleans yes and no, and a foreign key the value of the
    `existing` record, so a test can compare each filtered list with the same ORM filter.
    """
    values = []
    for name in admin.site.get_model_admin(model).list_filter:
        field = model._meta.get_field(name)
        if field.is_relation:
            pk = getattr(existing, field.attname)
            values.append((f"{name}__id__exact", str(pk), {field.attname: pk}))
        elif field.choices:
            values += [(f"{name}__exact", value, {name: value}) for value, _ in field.choices]
        else:  # a boolean
            values += [(f"{name}__exact", flag, {name: flag == "1"}) for flag in ("1", "0")]
    return values
