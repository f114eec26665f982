"""The audit trail: who wrote what, when, through which channel and from where.

One mechanism catches every write to a business record, whatever the channel (back office, API,
spreadsheet import, management command or shell):
- `save()` and `delete()` — also a QuerySet's delete and cascades, which send the same
  signals — are recorded by the receivers below, connected to every `AuditedModel`;
- `QuerySet.update()` (also behind `bulk_update()`) and `bulk_create()`, which send no signal,
  are recorded by `AuditedQuerySet` through the functions below.
Workflow steps (publish, withdraw…) are ordinary saves inside `audit_action(...)`, so they carry
their action instead of "change". Security events (log-ins, lock-outs, tokens, permission
changes, imports, backups and restores) are explicit `record_event()` calls; so are accounts,
groups and tokens deleted (with every right they held, read before the rows go) and users or
groups renamed, which receivers below catch whatever deletes or renames them.

The same hook keeps the data version (`DataVersion`, the key of every cached total): each business
write increments it in its own transaction, so the new number is visible exactly when the data
is. Security events and imports or exports as events do not touch it: a log-in must not throw the
cached totals away. Why one locked row is enough, and what it costs, is in docs/audit.md.

Who and where come from a context variable: `AuditMiddleware` fills it for each request (the
user is read at write time, because DRF authenticates a token inside the view), management
commands and the shell get the operating-system user and one id per process.
"""

import datetime
import decimal
import getpass
import json
import re
import sys
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from partnerships.choices import AuditAction, AuditChannel
from partnerships.models import ApiToken, AuditedModel, AuditedQuerySet, AuditEntry, DataVersion
from partnerships.proxies import client_address

# Changing only these never counts as a change worth an entry (every save moves updated_at).
IGNORED_FIELDS = frozenset({"updated_at"})
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REPR_LENGTH = AuditEntry._meta.get_field("object_repr").max_length


# --- Who and where -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditContext:
    channel: str = AuditChannel.COMMAND
    request: object = None  # the HttpRequest; its user is read when an entry is written
    user: object = None  # an explicit user, for commands run on someone's behalf
    actor: str = ""  # the name to record when there is no user (the OS user of a command)
    action: str | None = None  # overrides create/change/delete (workflow steps)
    request_id: str = ""
    client_address: str | None = None
    suppressed: bool = False


def _process_context() -> AuditContext:
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        os_user = "?"
    command = " ".join(sys.argv[1:2])
    return AuditContext(
        channel=AuditChannel.COMMAND,
        actor=f"{os_user} ({command})" if command else os_user,
        request_id=uuid.uuid4().hex,
    )


_context: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def current() -> AuditContext:
    context = _context.get()
    if context is None:
        context = _process_context()
        _context.set(context)
    return context


@contextmanager
def audit_context(**changes):
    """Run a block with some of the context replaced, e.g. `channel=AuditChannel.IMPORT`."""
    token = _context.set(replace(current(), **changes))
    try:
        yield
    finally:
        _context.reset(token)


def audit_action(action: str):
    """Saves inside the block are recorded as `action` (publish, withdraw…), not as "change"."""
    return audit_context(action=action)


def audit_suppressed():
    """No per-row entries inside the block. Only for bulk loads that write their own summary
    event (the synthetic data generator); every other write channel is audited row by row."""
    return audit_context(suppressed=True)


def _actor(context: AuditContext) -> tuple[int | None, str]:
    user = context.user
    if user is None and context.request is not None:
        user = getattr(context.request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user.pk, user.get_username()
    return None, context.actor


class AuditMiddleware:
    """Names each request (X-Request-ID) and makes it the audit context of its writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        with audit_context(
            channel=self.channel_for(request.path_info),
            request=request,
            user=None,
            actor="",
            request_id=request_id,
            client_address=client_address(request),
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

    @staticmethod
    def channel_for(path: str) -> str:
        if path.startswith("/admin/"):
            return AuditChannel.ADMIN
        if path.startswith("/api/"):
            return AuditChannel.API
        return AuditChannel.WEB


# --- What ----------------------------------------------------------------------------------------


def _json(value):
    # Dates as ISO text, decimals as exact strings: the same shapes the API shows.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _stored_form(field, value):
    # A decimal typed as 68000000 is stored as 68000000.00: compare and show what is stored.
    if isinstance(field, models.DecimalField) and isinstance(value, decimal.Decimal):
        return value.quantize(decimal.Decimal(1).scaleb(-field.decimal_places))
    return value


def snapshot(instance: models.Model, names=None) -> dict:
    """Every stored column of `instance` (foreign keys as ids), or those `names`, JSON-ready."""
    return {
        field.attname: _json(_stored_form(field, field.value_from_object(instance)))
        for field in instance._meta.concrete_fields
        if names is None or field.name in names
    }


def _diff(before: dict, after: dict) -> tuple[dict, dict]:
    changed = [
        name for name in after if name not in IGNORED_FIELDS and before.get(name) != after.get(name)
    ]
    return {name: before.get(name) for name in changed}, {name: after[name] for name in changed}


def _entry(
    action,
    instance=None,
    *,
    model=None,
    object_id="",
    before=None,
    after=None,
    detail=None,
    district_id=None,
    context=None,
) -> AuditEntry:
    context = context or current()
    user_id, username = _actor(context)
    if instance is not None:
        model = model or instance._meta.label_lower
        object_id = instance.pk
        district_id = district_id if district_id is not None else _district_of(instance)
    return AuditEntry(
        at=timezone.now(),
        action=context.action
        if context.action and action in AuditAction.record_actions
        else action,
        channel=context.channel,
        user_id=user_id,
        username=username[:150],
        model=model or "",
        object_id="" if object_id in (None, "") else str(object_id),
        object_repr=str(instance)[:REPR_LENGTH] if instance is not None else "",
        district_id=district_id,
        before=before,
        after=after,
        detail=_json(detail) if detail is not None else None,
        request_id=context.request_id,
        client_address=context.client_address,
    )


def _district_of(instance) -> int | None:
    if isinstance(instance, AuditedModel):
        try:
            return instance.audit_district_id()
        except models.ObjectDoesNotExist:  # a child row whose parent is being deleted with it
            return None
    return getattr(instance, "district_id", None)


def record_event(
    action: str,
    *,
    user=None,
    obj=None,
    detail=None,
    district_id=None,
    before=None,
    after=None,
) -> AuditEntry:
    """Write one explicit entry: a security event, an import or export, a bulk load.

    Unlike a business write it leaves the data version alone: no cached total depends on it.
    """
    context = replace(current(), action=None)
    if user is not None:
        context = replace(context, user=user)
    entry = _entry(
        action,
        obj,
        detail=detail,
        district_id=district_id,
        before=before,
        after=after,
        context=context,
    )
    entry.save()
    return entry


def event_columns(action: str, *, detail=None) -> dict:
    """An event's columns (name → value), for a database the ORM does not reach: a restore
    records itself in the database it has just replaced (partnerships.backup)."""
    entry = _entry(action, detail=detail, context=replace(current(), action=None))
    return {
        field.attname: getattr(entry, field.attname)
        for field in AuditEntry._meta.concrete_fields
        if not field.primary_key
    }


def _save_all(entries: list[AuditEntry], using: str) -> None:
    """Record business writes: their entries, and one step of the data version, in the writing
    transaction (security events use `record_event` and leave the version alone)."""
    if entries:
        AuditEntry.objects.using(using).bulk_create(entries)
        DataVersion.objects.using(using).bump()


# --- save() and delete() -------------------------------------------------------------------------


def _remember_before(sender, instance, raw=False, using=None, **kwargs):
    DataVersion.objects.using(using).lock()
    if current().suppressed or instance._state.adding or instance.pk is None:
        instance._audit_before = None
        return
    stored = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(stored) if stored is not None else None


def _record_save(sender, instance, created, raw=False, using=None, **kwargs):
    if current().suppressed:
        _bump_if(1, using)
        return
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    if created or before is None:
        _save_all([_entry(AuditAction.CREATE, instance, after=after)], using)
        return
    before, after = _diff(before, after)
    if before or after or current().action:
        _save_all([_entry(AuditAction.CHANGE, instance, before=before, after=after)], using)


def _lock_version(sender, instance, using=None, **kwargs):
    DataVersion.objects.using(using).lock()


def _record_delete(sender, instance, using=None, **kwargs):
    if current().suppressed:
        _bump_if(1, using)
        return
    _save_all([_entry(AuditAction.DELETE, instance, before=snapshot(instance))], using)


# --- Bulk writes (called by AuditedQuerySet) -----------------------------------------------------


def _bump_if(rows: int, using: str) -> None:
    if rows:
        DataVersion.objects.using(using).bump()


def audited_update(queryset, values: dict, update):
    """`QuerySet.update()` with one entry per changed row: rows are read before and after."""
    if current().suppressed:
        with transaction.atomic(using=queryset.db):
            DataVersion.objects.using(queryset.db).lock()
            count = update(**values)
            _bump_if(count, queryset.db)
        return count
    with transaction.atomic(using=queryset.db):
        DataVersion.objects.using(queryset.db).lock()
        before = {obj.pk: snapshot(obj) for obj in queryset._chain()}
        count = update(**values)
        after_rows = queryset.model._base_manager.using(queryset.db).in_bulk(list(before))
        entries = []
        for pk, row in after_rows.items():
            old, new = _diff(before[pk], snapshot(row))
            if old or new:
                entries.append(_entry(AuditAction.CHANGE, row, before=old, after=new))
        _save_all(entries, queryset.db)
    return count


def record_bulk_create(model, objs, using: str) -> None:
    if current().suppressed:
        _bump_if(len(objs), using)
        return
    _save_all([_entry(AuditAction.CREATE, obj, after=snapshot(obj)) for obj in objs], using)


# --- Security events -----------------------------------------------------------------------------


def _request_context(request) -> dict:
    """Context fields for a signal that hands us its request (log-in happens before the view)."""
    if request is None:
        return {}
    return {
        "request": request,
        "request_id": getattr(request, "request_id", "") or current().request_id,
        "client_address": client_address(request),
    }


def _on_login(sender, request, user, **kwargs):
    with audit_context(**_request_context(request), user=user):
        record_event(AuditAction.LOGIN)


def _on_logout(sender, request, user, **kwargs):
    with audit_context(**_request_context(request), user=user):
        record_event(AuditAction.LOGOUT)


def _on_login_failed(sender, credentials, request=None, **kwargs):
    # The attempted name is kept, never the password (Django already masks it here).
    username = str(credentials.get("username", ""))[:150]
    with audit_context(**_request_context(request), user=None, actor=username):
        record_event(AuditAction.LOGIN_FAILED, detail={"username": username})


def _on_lockout(sender, request, username=None, ip_address=None, **kwargs):
    with audit_context(**_request_context(request), user=None, actor=str(username or "")[:150]):
        record_event(AuditAction.LOCKOUT, detail={"username": username, "ip_address": ip_address})


def _remember_user_rights(sender, instance, raw=False, **kwargs):
    instance._audit_rights = None
    if instance.pk is None or instance._state.adding:
        return
    stored = (
        sender._base_manager.filter(pk=instance.pk)
        .values(*USER_RIGHTS, "password", USERNAME)
        .first()
    )
    instance._audit_rights = stored


USER_RIGHTS = ("is_active", "is_staff", "is_superuser")
USERNAME = get_user_model().USERNAME_FIELD


def _record_user_rights(sender, instance, created, raw=False, **kwargs):
    before = getattr(instance, "_audit_rights", None)
    if created:
        record_event(
            AuditAction.PERMISSION_CHANGE,
            obj=instance,
            detail={"created": True, **{name: getattr(instance, name) for name in USER_RIGHTS}},
        )
        return
    if before is None:
        return
    changed = [name for name in USER_RIGHTS if before[name] != getattr(instance, name)]
    if changed:
        record_event(
            AuditAction.PERMISSION_CHANGE,
            obj=instance,
            detail={name: [before[name], getattr(instance, name)] for name in changed},
            before={name: before[name] for name in changed},
            after={name: getattr(instance, name) for name in changed},
        )
    if before[USERNAME] != getattr(instance, USERNAME):
        # A renamed account signs entries under its new name: the old one must stay findable.
        record_event(
            AuditAction.CHANGE,
            obj=instance,
            before={USERNAME: before[USERNAME]},
            after={USERNAME: getattr(instance, USERNAME)},
        )
    if before["password"] != instance.password:
        record_event(AuditAction.PASSWORD_CHANGE, obj=instance)


# The rights an account or a group holds through many-to-many tables. Their rows go with a
# deleted user or group without any m2m signal, so a deletion records them beforehand.
def _rights_of(instance) -> dict:
    if isinstance(instance, get_user_model()):
        return {
            "groups": sorted(instance.groups.values_list("name", flat=True)),
            "user_permissions": _permission_names(instance.user_permissions.all()),
        }
    return {
        "permissions": _permission_names(instance.permissions.all()),
        "users": sorted(instance.user_set.values_list(USERNAME, flat=True)),
    }


def _permission_names(permissions) -> list[str]:
    return sorted(
        f"{app_label}.{codename}"
        for app_label, codename in permissions.values_list("content_type__app_label", "codename")
    )


def _related_names(model, pks) -> list[str]:
    """What a membership change names: permissions as app.codename, groups and users by name."""
    rows = model._base_manager.filter(pk__in=pks)
    if model is Permission:
        return _permission_names(rows)
    field = USERNAME if model is get_user_model() else "name"
    return sorted(rows.values_list(field, flat=True))


def _membership_side(sender, instance):
    """The through table's columns for `instance` and for the records it is linked to."""
    mine = next(f for f in sender._meta.concrete_fields if f.related_model is type(instance))
    other = next(f for f in sender._meta.concrete_fields if f.is_relation and f is not mine)
    return mine.attname, other.attname


def _linked_ids(sender, instance) -> set:
    mine, other = _membership_side(sender, instance)
    return set(sender._base_manager.filter(**{mine: instance.pk}).values_list(other, flat=True))


def _record_membership(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Groups given to or taken from users (either side), permissions given to or taken from
    groups and users; with the full list before and after, as a clear() names nothing."""
    if action.startswith("pre_"):
        remembered = getattr(instance, "_audit_memberships", {})
        remembered[sender] = _linked_ids(sender, instance)
        instance._audit_memberships = remembered
        return
    before_ids = getattr(instance, "_audit_memberships", {}).pop(sender, set())
    after_ids = _linked_ids(sender, instance)
    if before_ids == after_ids:
        return
    relation = sender._meta.label_lower
    record_event(
        AuditAction.PERMISSION_CHANGE,
        obj=instance,
        detail={
            "relation": relation,
            "change": action.removeprefix("post_"),
            "ids": sorted(before_ids ^ after_ids),
            "of": model._meta.label_lower,
        },
        before={relation: _related_names(model, before_ids)},
        after={relation: _related_names(model, after_ids)},
    )


def _remember_rights_before_delete(sender, instance, **kwargs):
    instance._audit_deleted_rights = _rights_of(instance)


def _record_account_delete(sender, instance, **kwargs):
    """A deleted user or group, with every right it held (which went with it)."""
    before = {"name": str(instance), **getattr(instance, "_audit_deleted_rights", {})}
    if isinstance(instance, get_user_model()):
        before |= {name: getattr(instance, name) for name in USER_RIGHTS}
    record_event(AuditAction.DELETE, obj=instance, before=before)


def _remember_group_name(sender, instance, raw=False, **kwargs):
    instance._audit_group_name = None
    if instance.pk is not None and not instance._state.adding:
        stored = sender._base_manager.filter(pk=instance.pk).values("name").first()
        instance._audit_group_name = stored["name"] if stored else None


def _record_group_save(sender, instance, created, raw=False, **kwargs):
    old = getattr(instance, "_audit_group_name", None)
    if created:
        record_event(AuditAction.CREATE, obj=instance, after={"name": instance.name})
    elif old is not None and old != instance.name:
        record_event(
            AuditAction.CHANGE, obj=instance, before={"name": old}, after={"name": instance.name}
        )


TOKEN_FIELDS = ("name", "prefix", "scope", "expires_at", "revoked_at")


def _record_token_delete(sender, instance, **kwargs):
    """A token deleted, on its own or with its user: a credential that ended."""
    record_event(
        AuditAction.DELETE,
        obj=instance,
        before={"user_id": instance.user_id, **snapshot(instance, TOKEN_FIELDS)},
    )


# --- Retention -----------------------------------------------------------------------------------


def retention_days() -> int:
    return settings.AUDIT_RETENTION_DAYS


def purge(*, days: int | None = None) -> int:
    """Delete entries older than the retention period; never younger than the legal minimum."""
    days = retention_days() if days is None else days
    if days < settings.AUDIT_MINIMUM_RETENTION_DAYS:
        raise ValueError(
            f"Audit entries must be kept at least {settings.AUDIT_MINIMUM_RETENTION_DAYS} days."
        )
    cutoff = timezone.now() - datetime.timedelta(days=days)
    with transaction.atomic():
        deleted = AuditEntry.objects.purge_before(cutoff)
        record_event(AuditAction.PURGE, detail={"days": days, "deleted": deleted})
    return deleted


# --- Wiring --------------------------------------------------------------------------------------


def audited_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, AuditedModel) and not model._meta.abstract
    ]


def connect() -> None:
    """Connect the receivers; called once from PartnershipsConfig.ready()."""
    # Bulk writes send no signal: the audited queryset calls these instead.
    AuditedQuerySet.audited_update = staticmethod(audited_update)
    AuditedQuerySet.record_bulk_create = staticmethod(record_bulk_create)
    # Per model, not for every sender: a delete receiver on all models would stop Django's fast
    # delete for sessions, log-in records and the rest.
    for model in audited_models():
        label = model._meta.label_lower
        pre_save.connect(_remember_before, sender=model, dispatch_uid=f"audit-pre-{label}")
        post_save.connect(_record_save, sender=model, dispatch_uid=f"audit-save-{label}")
        pre_delete.connect(_lock_version, sender=model, dispatch_uid=f"audit-pre-delete-{label}")
        post_delete.connect(_record_delete, sender=model, dispatch_uid=f"audit-delete-{label}")
    user_model = get_user_model()
    pre_save.connect(_remember_user_rights, sender=user_model, dispatch_uid="audit-user-pre")
    post_save.connect(_record_user_rights, sender=user_model, dispatch_uid="audit-user-save")
    group_model = apps.get_model("auth", "Group")
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        group_model.permissions.through,
    ):
        m2m_changed.connect(
            _record_membership, sender=through, dispatch_uid=f"audit-m2m-{through.__name__}"
        )
    for model in (user_model, group_model):
        label = model._meta.label_lower
        pre_delete.connect(
            _remember_rights_before_delete, sender=model, dispatch_uid=f"audit-pre-del-{label}"
        )
        post_delete.connect(_record_account_delete, sender=model, dispatch_uid=f"audit-del-{label}")
    pre_save.connect(_remember_group_name, sender=group_model, dispatch_uid="audit-group-pre")
    post_save.connect(_record_group_save, sender=group_model, dispatch_uid="audit-group-save")
    post_delete.connect(_record_token_delete, sender=ApiToken, dispatch_uid="audit-token-delete")
    user_logged_in.connect(_on_login, dispatch_uid="audit-login")
    user_logged_out.connect(_on_logout, dispatch_uid="audit-logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit-login-failed")
    from axes.signals import user_locked_out

    user_locked_out.connect(_on_lockout, dispatch_uid="audit-lockout")
