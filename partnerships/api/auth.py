"""Who may see and write what in the REST API: visibility, token authentication, permissions,
throttling.

- visibility: anonymous clients and read-scope tokens see published records only; a write-scope
  token also sees the drafts of the districts its user may edit (`Visibility`);
- token authentication (`Authorization: Bearer prefix.secret`), deny-by-default permissions and
  a throttle that reports its limits in `X-RateLimit-*` headers.
"""

import datetime
import math
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

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
