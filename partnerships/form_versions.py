"""A back-office form saved over a record that changed since the form was opened is refused.

Without this, the admin saves every field of its form, so a change made meanwhile (through the
API, an import, another member of staff) is overwritten without a word. The API refuses such a
write with If-Match; the back office does the same with the form's own version: a hidden field
carries the values the form was opened with, signed, so that on saving they can be compared with
the record as it is now. A field whose stored value moved meanwhile refuses the save, and the
message lists each such field, its value then and now. The form shown again carries the current
version: saving it again keeps the user's values, knowingly.
"""

from django import forms
from django.core import signing
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

FIELD = "record_version"  # the change form templates render it (form_top)
SALT = "registry-form-version"


class VersionField(forms.CharField):
    """The hidden version; never a "changed field" in the admin's history."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def has_changed(self, initial, data):
        return False


def add_version(form) -> None:
    """Give a form of an existing record its version field."""
    if form.instance.pk is None:
        return
    version = signing.dumps(snapshot(form), salt=SALT, compress=True)
    form.fields[FIELD] = VersionField(initial=version)


def snapshot(form) -> dict[str, str]:
    """The stored value of each of the form's fields, as text."""
    return {
        name: as_text(form.initial.get(name))
        for name in form.fields
        if name != FIELD and name in form.initial
    }


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(sorted(as_text(item) for item in value))
    return str(getattr(value, "pk", value))


def changed_fields(form, opened: dict[str, str]) -> list[str]:
    """One line per field whose stored value moved since the form was opened."""
    now = snapshot(form)
    return [
        _("%(field)s: “%(then)s” → “%(now)s”")
        % {
            "field": form.fields[name].label or name,
            "then": shown(form.fields[name], value),
            "now": shown(form.fields[name], now[name]),
        }
        for name, value in opened.items()
        if name in now and now[name] != value
    ]


def shown(field, text: str) -> str:
    """A stored value as staff read it: a choice's label, a record's name, shortened."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        pass  # ids, as stored
    elif text and isinstance(field, forms.ModelChoiceField):
        record = field.queryset.model._default_manager.filter(pk=text).first()
        text = str(record) if record is not None else text
    elif text and isinstance(field, forms.ChoiceField):
        text = str(dict(field.choices).get(text, text))
    return Truncator(text).chars(80)


def refuse_stale(form) -> bool:
    """Add the "changed meanwhile" error to a stale form; True when it did. A form without a
    version (a script's post, an inline row) is not checked."""
    sent = form.cleaned_data.get(FIELD) if FIELD in form.fields else ""
    if not sent:
        return False
    try:
        opened = signing.loads(sent, salt=SALT)
    except signing.BadSignature:
        form.add_error(
            None, _("This page's version cannot be read; open the record again. Nothing was saved.")
        )
        return True
    changes = changed_fields(form, opened)
    if not changes:
        return False
    form.add_error(
        None,
        _(
            "Someone changed this record after you opened this page: %(changes)s. Nothing was "
            "saved. Check these fields; saving again keeps the values now in the form."
        )
        % {"changes": "; ".join(str(change) for change in changes)},
    )
    # The form shown again carries the current version, so a deliberate second save passes.
    form.data = form.data.copy()
    form.data[form.add_prefix(FIELD)] = form.fields[FIELD].initial
    return True
