"""Log-in, password and session rules of the back office.

- `CharacterClassesValidator`: a password mixes at least three of lower case, upper case, digits
  and symbols (MLPS 2.0 password complexity).
- `PasswordAgeValidator`: checks nothing, but its `password_changed` hook is the one place Django
  calls after *every* `set_password()` + `save()` (admin forms, `changepassword`, our commands),
  so it records the change time there. Django has no "password changed" signal, and a `post_save`
  receiver cannot tell a password change from any other save.
- `PasswordPolicyMiddleware`: staff who must change their password (first log-in, or older than
  PASSWORD_MAX_AGE_DAYS) reach only the admin's password change page and log-out.
- `SessionLimitMiddleware`: ends a session SESSION_ABSOLUTE_SECONDS after its log-in, however
  active; the idle timeout is Django's own (SESSION_COOKIE_AGE + SESSION_SAVE_EVERY_REQUEST).
- `LoginLockoutHandler`: django-axes' database handler with a second, higher limit: it locks a
  user name at one address after AXES_FAILURE_LIMIT failures (axes' own rule), and an address as
  a whole after AXES_ADDRESS_FAILURE_LIMIT failures over all names (password spraying).
- `lockout_response`: what django-axes answers on a locked log-in: the admin log-in page with a
  translated message, status 429.
"""

import datetime
import time

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Sum
from django.forms.utils import ErrorDict, ErrorList
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerships.models import PasswordStatus

# Session keys: the UNIX time of the log-in that started the session, and from when the
# user's password must be changed (None: never).
LOGIN_AT_SESSION_KEY = "registry_login_at"
PASSWORD_DUE_SESSION_KEY = "registry_password_due_at"  # noqa: S105 (a key, not a password)

CHARACTER_CLASSES = {
    "lower": str.islower,
    "upper": str.isupper,
    "digit": str.isdigit,
    "symbol": lambda char: not char.isalnum() and not char.isspace(),
}


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def classes_in(self, password: str) -> set[str]:
        return {name for name, test in CHARACTER_CLASSES.items() if any(map(test, password))}

    def validate(self, password, user=None):
        if len(self.classes_in(password)) < self.min_classes:
            raise ValidationError(
                _(
                    "This password must contain at least %(min_classes)d of these: lower-case "
                    "letters, upper-case letters, digits and symbols."
                ),
                code="password_too_uniform",
                params={"min_classes": self.min_classes},
            )

    def get_help_text(self):
        return _(
            "Your password must contain at least %(min_classes)d of these: lower-case letters, "
            "upper-case letters, digits and symbols."
        ) % {"min_classes": self.min_classes}


class PasswordAgeValidator:
    """Records each password change; the age rule itself is `PasswordPolicyMiddleware`."""

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        PasswordStatus.objects.update_or_create(
            user=user, defaults={"changed_at": timezone.now(), "must_change": False}
        )

    def get_help_text(self):
        days = settings.PASSWORD_MAX_AGE_DAYS
        return ngettext(
            "You will have to change your password every %(days)d day.",
            "You will have to change your password every %(days)d days.",
            days,
        ) % {"days": days}


def password_due_at(user) -> float | None:
    """UNIX time from which `user` must change the password (0: now); None: never forced."""
    status = PasswordStatus.objects.filter(user=user).first()
    if status is None:
        # Accounts from before this rule (and test users) have no row: not forced.
        return None
    if status.must_change:
        return 0
    max_age = datetime.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
    return (status.changed_at + max_age).timestamp()


class PasswordPolicyMiddleware:
    """Sends staff whose password is due to the admin's password change page.

    The due time is read at log-in and kept in the session, so an ordinary request costs no
    query; only once it has passed is the database asked again (the password may have just been
    changed, which moves it).
    """

    # Admin pages a user who must change the password may still reach.
    ALLOWED_URL_NAMES = (
        "admin:password_change",
        "admin:password_change_done",
        "admin:logout",
        "admin:login",
        "admin:jsi18n",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff
            and request.path.startswith(reverse("admin:index"))
            and request.path not in {reverse(name) for name in self.ALLOWED_URL_NAMES}
            and self.password_due(request)
        ):
            return redirect("admin:password_change")
        return self.get_response(request)

    def password_due(self, request) -> bool:
        session = request.session
        if PASSWORD_DUE_SESSION_KEY not in session:
            session[PASSWORD_DUE_SESSION_KEY] = password_due_at(request.user)
        due = session[PASSWORD_DUE_SESSION_KEY]
        if due is not None and time.time() >= due:
            due = session[PASSWORD_DUE_SESSION_KEY] = password_due_at(request.user)
        return due is not None and time.time() >= due


def session_start(sender, request, user, **kwargs):
    """`user_logged_in` receiver: note the log-in time (absolute cap) and the password due time."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_SESSION_KEY] = time.time()
        request.session[PASSWORD_DUE_SESSION_KEY] = password_due_at(user)


class SessionLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            login_at = request.session.get(LOGIN_AT_SESSION_KEY)
            if login_at is None:
                # A session from before this rule: its cap starts now.
                request.session[LOGIN_AT_SESSION_KEY] = time.time()
            elif time.time() - login_at > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
        return self.get_response(request)


class LoginLockoutHandler(AxesDatabaseHandler):
    """Locks a user name at an address (axes' rule), and an address that sprays many names.

    axes compares every lock-out parameter with one failure limit; the per-address ceiling needs a
    much higher one, so it is counted here from the same AccessAttempt rows (one per name,
    address and browser, within the cool-off), with the same cool-off and the same "a locked
    attempt is not counted" rule. A success clears only its own name's rows at that address, so
    logging in does not reset a spraying count.
    """

    def address_failures(self, request) -> int:
        attempts = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            attempt_time__gte=get_cool_off_threshold(request),
        )
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def address_locked(self, request) -> bool:
        return self.address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or request.axes_locked_out or not self.address_locked(request):
            return
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        )


def lockout_response(request, original_response=None, credentials=None):
    """The admin log-in page saying the log-in is locked, and for how long (django-axes)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = ngettext(
        "Too many failed log-in attempts for this account or from this address. Log-in is "
        "locked for %(minutes)d minute; please try again later or ask a security administrator.",
        "Too many failed log-in attempts for this account or from this address. Log-in is "
        "locked for %(minutes)d minutes; please try again later or ask a security administrator.",
        minutes,
    ) % {"minutes": minutes}
    form = AdminAuthenticationForm(request)
    # An unbound form with the message as its only error: the admin template shows it in its
    # usual error box, and no field value (nor the password) is sent back.
    form._errors = ErrorDict({NON_FIELD_ERRORS: ErrorList([message])})
    context = {
        **admin.site.each_context(request),
        "title": _("Log in"),
        "form": form,
        "app_path": request.get_full_path(),
        "username": "",
        "site_header": admin.site.site_header,
    }
    # Rendered here: django-axes returns it from a middleware, after templates are rendered.
    return TemplateResponse(
        request, "admin/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    ).render()
