"""Keyset cursor paging for every REST API list: exact and equally fast at any depth."""

import base64
import binascii
import datetime
import decimal
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


def utc(value):
    """Datetimes in UTC: PostgreSQL refuses offsets beyond ±15:59, which Python accepts."""
    return value.astimezone(datetime.UTC) if isinstance(value, datetime.datetime) else value


def cell(value):
    """A JSON-safe scalar of a model value (cursor positions)."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


# --- Paging --------------------------------------------------------------------------------------


class KeysetCursorPagination(pagination.CursorPagination):
    """Cursor paging on the full sort key (the `ordering` fields, then id): no offsets.

    DRF's cursor keeps only the first ordering field and counts ties with an offset, which
    breaks past 1000 ties; here the cursor holds every key value, so each page is one indexed
    range query however deep it is. Nulls sort last in both directions.
    """

    page_size = 100
    page_size_query_param = "page_size"
    page_size_query_description = _(
        "Rows per page: 100 by default, at most 1000 (a larger value is capped at 1000)."
    )
    max_page_size = 1000
    ordering = ("id",)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        self.keys = self.get_keys(queryset)
        self.model = queryset.model
        reverse, position = self.decode_cursor(request) or (False, None)
        queryset = queryset.order_by(*self.order_by(reverse))
        if position is not None:
            queryset = queryset.filter(self.beyond(position, reverse))
        rows = list(queryset[: self.page_size + 1])
        self.page = rows[: self.page_size]
        more = len(rows) > self.page_size
        if reverse:
            self.page.reverse()
        self.has_next, self.has_previous = (True, more) if reverse else (more, position is not None)
        return self.page

    def get_keys(self, queryset) -> list[tuple[str, bool]]:
        # The `ordering` filter of the FilterSet has ordered the queryset; nothing else does.
        keys = [(name.lstrip("-"), name.startswith("-")) for name in queryset.query.order_by]
        if "id" not in {name for name, _desc in keys}:
            keys.append(("id", False))
        return keys

    def order_by(self, reverse: bool) -> list:
        order = []
        for name, descending in self.keys:
            field = F(name)
            direction = field.desc if descending != reverse else field.asc
            if not self.model._meta.get_field(name).null:
                order.append(direction())
            else:
                order.append(direction(nulls_first=True) if reverse else direction(nulls_last=True))
        return order

    def beyond(self, position: list, reverse: bool) -> Q:
        """Rows after `position` in the walking direction (lexicographic on the keys)."""
        condition = None
        for (name, descending), value in reversed(list(zip(self.keys, position, strict=True))):
            lookup = "lt" if descending != reverse else "gt"
            if value is None:
                # Nulls come last going forward, first going back.
                after = Q(**{f"{name}__isnull": False}) if reverse else Q(pk__in=[])
                same = Q(**{f"{name}__isnull": True})
            else:
                after = Q(**{f"{name}__{lookup}": value})
                if not reverse and self.model._meta.get_field(name).null:
                    after |= Q(**{f"{name}__isnull": True})
                same = Q(**{name: value})
            condition = after if condition is None else after | (same & condition)
        return condition

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            cursor = json.loads(base64.urlsafe_b64decode(encoded.encode("ascii")))
            if cursor["k"] != [f"{'-' if d else ''}{n}" for n, d in self.keys]:
                raise ValueError("the cursor belongs to another ordering")
            if any(isinstance(value, str) and "\x00" in value for value in cursor["p"]):
                raise ValueError("no text column holds a NUL character")
            position = [
                None if value is None else utc(self.model._meta.get_field(name).to_python(value))
                for (name, _desc), value in zip(self.keys, cursor["p"], strict=True)
            ]
            return bool(cursor["r"]), position
        except (
            ValueError,
            TypeError,
            KeyError,
            OverflowError,
            UnicodeError,
            binascii.Error,
            DjangoValidationError,
        ):
            raise exceptions.NotFound(self.invalid_cursor_message) from None

    def encode_cursor(self, record, reverse: bool) -> str:
        position = [  # a row (`RowReader`) or a record
            cell(record[name] if isinstance(record, dict) else getattr(record, name))
            for name, _desc in self.keys
        ]
        keys = [f"{'-' if d else ''}{n}" for n, d in self.keys]
        raw = json.dumps({"k": keys, "p": position, "r": int(reverse)}, separators=(",", ":"))
        encoded = base64.urlsafe_b64encode(raw.encode()).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def get_next_link(self):
        if not (self.has_next and self.page):
            return None
        return self.encode_cursor(self.page[-1], reverse=False)

    def get_previous_link(self):
        if not (self.has_previous and self.page):
            return None
        return self.encode_cursor(self.page[0], reverse=True)

    def get_paginated_response(self, data):
        links = [(self.get_next_link(), "next"), (self.get_previous_link(), "prev")]
        headers = {"Link": ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links if url)}
        if self.request.accepted_renderer.format == "csv":
            # A CSV body is the rows only; the way on is in the Link header.
            return Response(data, headers=headers if headers["Link"] else None)
        return Response(
            {"next": links[0][0], "previous": links[1][0], "results": data},
            headers=headers if headers["Link"] else None,
        )
