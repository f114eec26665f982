"""What every REST API view shares: who may see and write what, paging, CSV.

The resources themselves live in each app's `api.py` (thin viewsets, explicit querysets). Their
shared machinery is here and in `config.api_resources` (serializer fields, validated writes,
ETags, the viewset mixin), so each rule exists once; `config.api_schema` adapts the OpenAPI
schema. The classes named in settings.REST_FRAMEWORK live here, in a module that imports no
DRF view, because DRF imports them while its views are being defined.

- visibility: anonymous clients and read-scope tokens see published records only; a write-scope
  token also sees the drafts of the districts its user may edit (`Visibility`);
- token authentication (`Authorization: Bearer prefix.secret`), deny-by-default permissions and
  a throttle that reports its limits in `X-RateLimit-*` headers;
- keyset cursor paging that stays exact and equally fast at any depth, for any `ordering`;
- CSV output safe to open in Excel (BOM, formula cells neutralised);
- (in config.api_resources) strong ETags on reads (`If-None-Match` → 304), `If-Match` on
  writes (stale → 412), and writes that end in the model's `full_clean()`, all or nothing.
"""

import base64
import binascii
import csv
import datetime
import decimal
import io
import json
import math
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination, parsers, permissions, renderers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.utils.urls import replace_query_param

from partnerships.choices import PublicationState, RecordAction
from partnerships.models import ApiToken
from partnerships.proxies import client_address
from partnerships.selectors import NOT_YOURS, publicly_cited_q, why_not, writable_district_ids

# Ids are 64-bit; a larger number is no id at all (and would overflow SQLite's integers).
MAX_ID = 2**63 - 1

# --- Visibility ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visibility:
    """Records a client may read: the published ones, plus drafts of `district_ids`.

    `district_ids` are also the districts the client may write to: empty for anonymous clients
    and read-scope tokens, None (every district) for a superuser's write token.
    """

    district_ids: frozenset | None

    @classmethod
    def for_request(cls, request) -> "Visibility":
        # Memoised on the request: the permission check and the viewset both need it.
        if not hasattr(request, "_visibility"):
            token = request.auth
            if isinstance(token, ApiToken) and token.can_write:
                ids = writable_district_ids(request.user)
                request._visibility = cls(None if ids is None else frozenset(ids))
            else:
                request._visibility = cls(frozenset())
        return request._visibility

    @property
    def can_write(self) -> bool:
        return self.district_ids is None or bool(self.district_ids)

    def filter(self, queryset):
        """Readable records of a publishable model (outcomes and targets: `.public()`)."""
        if self.district_ids is None:
            return queryset
        # A figure is public only when the records it is attributed to are published too.
        public = queryset.public() if hasattr(queryset, "public") else queryset.published()
        if not self.district_ids:
            return public
        return public | queryset.filter(district_id__in=self.district_ids)

    def sources(self, queryset):
        """Readable sources: those a public record cites; a writer also sees its districts' own
        and the shared ones (no district), to cite them."""
        if self.district_ids is None:
            return queryset
        readable = publicly_cited_q()
        if self.district_ids:
            readable |= Q(district__isnull=True) | Q(district_id__in=self.district_ids)
        return queryset.filter(readable)

    def writable(self, queryset):
        if self.district_ids is None:
            return queryset
        return queryset.filter(district_id__in=self.district_ids)

    def related(self, relation: str) -> Q:
        """Rows whose `relation` (a publishable record) the client may read."""
        if self.district_ids is None:
            return Q()
        condition = Q(**{f"{relation}__state": PublicationState.PUBLISHED})
        if self.district_ids:
            condition |= Q(**{f"{relation}__district_id__in": self.district_ids})
        return condition

    def shows(self, record) -> bool:
        return (
            record.is_published
            or self.district_ids is None
            or record.district_id in self.district_ids
        )


# --- Authentication, permissions, throttling -----------------------------------------------------


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <prefix>.<secret>` (or `Token …`): an ApiToken, stored hashed."""

    keywords = (b"bearer", b"token")
    invalid = _("Invalid, expired or revoked token, or the user is inactive.")

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as `Bearer prefix.secret`."))
        try:
            prefix, _dot, secret = parts[1].decode("ascii").partition(".")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(self.invalid) from None
        token = ApiToken.objects.active().select_related("user").filter(prefix=prefix).first()
        if token is None or not token.matches(secret):
            raise exceptions.AuthenticationFailed(self.invalid)
        now = timezone.now()
        # At most one write a minute per token, not one per request.
        if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class DenyAll(permissions.BasePermission):
    """The default: a view that names no permission is closed."""

    def has_permission(self, request, view):
        return False


class ReadOnly(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS


class ReadAnyoneWriteWithToken(permissions.BasePermission):
    """Anyone reads; writing needs a write-scope token of a user with rights in a district."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        if not isinstance(token, ApiToken):
            return False  # DRF answers 401: no credentials were sent
        if not token.can_write:
            self.message = _("This token is read-only; writing needs a write-scope token.")
            return False
        self.message = _("This token's user may not edit the records of any district.")
        return Visibility.for_request(request).can_write


class RecordPolicy(permissions.BasePermission):
    """A change or delete of one record follows the permission policy (`selectors.may`).

    Another district's record is not found (404, as the viewset's queryset already answers);
    one the user's role may not change in its state is refused with the reason (403), e.g. an
    editor changing a published record. Workflow steps are checked by their service.
    """

    ACTIONS = {
        "PUT": RecordAction.CHANGE,
        "PATCH": RecordAction.CHANGE,
        "DELETE": RecordAction.DELETE,
    }

    def has_object_permission(self, request, view, obj):
        action = self.ACTIONS.get(request.method)
        if action is None:
            return True
        refusal = why_not(request.user, action, obj)
        if refusal is None:
            return True
        if refusal.code == NOT_YOURS:
            raise exceptions.NotFound
        self.message = refusal.message
        return False


class ApiRateThrottle(SimpleRateThrottle):
    """Per client address without a token ("anon" rate), per user with one ("user" rate); the
    address is the one behind our trusted proxies (partnerships/proxies.py).

    Rates are read per request so that settings changes (and tests) take effect; the outcome
    is left on the request for `RegistryViewMixin` to send as `X-RateLimit-*` headers.
    """

    def __init__(self):
        pass  # the scope, hence the rate, depends on the request

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_ident(self, request):
        # Not DRF's: it believes any X-Forwarded-For, so each forged value got a fresh allowance.
        return client_address(request)

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        self.scope = "user" if request.user.is_authenticated else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        allowed = super().allow_request(request, view)
        oldest = self.history[-1] if self.history else self.now
        request.rate_limit = {
            "X-RateLimit-Limit": str(self.num_requests),
            "X-RateLimit-Remaining": str(max(0, self.num_requests - len(self.history))),
            "X-RateLimit-Reset": str(math.ceil(max(0, self.duration - (self.now - oldest)))),
        }
        return allowed


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


# --- JSON ----------------------------------------------------------------------------------------


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON byte for byte, written by orjson: a list of 100 projects renders 3-4x faster.

    orjson writes what DRF's settings write (UTF-8, no spaces, keys in order, the same string
    escapes); dates, decimals and lazy strings go through DRF's own encoder. Anything orjson
    writes differently is handed to DRF's renderer instead: an indented response, an integer
    beyond 64 bits, a non-string key, a value DRF's encoder turns into a float. Floats orjson
    would write in its own notation (1e-05 as 0.00001): no API field is a float.
    """

    encoder = renderers.JSONRenderer.encoder_class()

    def render(self, data, accepted_media_type=None, renderer_context=None):
        plain = data is not None and not self.get_indent(
            accepted_media_type, renderer_context or {}
        )
        if plain and self.compact and self.strict and not self.ensure_ascii:
            try:
                content = orjson.dumps(data, default=self.default, option=PASSTHROUGH)
            except (TypeError, orjson.JSONEncodeError):
                pass
            else:
                # As DRF does: these two are valid JSON but end a line in JavaScript.
                return content.replace(LINE_SEPARATOR, b"\\u2028").replace(
                    PARAGRAPH_SEPARATOR, b"\\u2029"
                )
        return super().render(data, accepted_media_type, renderer_context)

    def default(self, value):
        value = self.encoder.default(value)
        if isinstance(value, float):
            raise TypeError("json.dumps writes floats its own way")
        return value


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with limits: a body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 before
    anything is read (or as soon as the reading passes the limit, when no Content-Length was
    sent), and JSON nested deeper than Python's parser recurses answers 400, not a 500.

    The limit is Django's own setting for form posts: DRF reads the API's stream itself, past
    the check `request.body` makes.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = parser_context.get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise self.too_large(limit)
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise self.too_large(limit)
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                _("The JSON is nested too deeply: a record needs only a few levels.")
            ) from None
        except exceptions.ParseError as error:
            # DRF's message is English only: say it in the client's language, keep the detail.
            reason = str(error.detail).removeprefix("JSON parse error - ")
            message = _("The body is not valid JSON: %(reason)s") % {"reason": reason}
            raise exceptions.ParseError(message) from None

    @staticmethod
    def too_large(limit: int) -> RequestTooLarge:
        return RequestTooLarge(
            _("The request body is larger than %(limit)d bytes, the most the API accepts.")
            % {"limit": limit}
        )


# DRF's encoder writes dates its own way (milliseconds, "Z") and knows no dataclass.
PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
LINE_SEPARATOR = "\u2028".encode()
PARAGRAPH_SEPARATOR = "\u2029".encode()


# --- CSV -----------------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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


def csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    # A spreadsheet would run a cell starting with these as a formula (CSV injection).
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def flatten(row: dict, prefix: str = "") -> dict:
    """Nested objects become dotted columns (`district.name`); lists stay one JSON cell."""
    flat = {}
    for key, value in row.items():
        if isinstance(value, dict):
            flat |= flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


class CSVRenderer(renderers.BaseRenderer):
    """UTF-8 with a BOM (so Excel reads Chinese), one row per record, a header row first.

    Columns come from the serializer, so every page of a list has the same header even when
    a nested object is null; list cells (participants, ids) hold JSON.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        rows = [flatten(row) for row in (data if isinstance(data, list) else [data])]
        view, response = context.get("view"), context.get("response")
        ok = response is None or response.status_code < 400
        if ok and hasattr(view, "get_csv_columns"):
            columns = view.get_csv_columns()
        else:
            columns = list(dict.fromkeys(key for row in rows for key in row))
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows([csv_text(row.get(column)) for column in columns] for row in rows)
        return buffer.getvalue().encode("utf-8")
