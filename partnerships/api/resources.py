"""Building blocks of a REST API resource: serializer fields, validated writes, the viewsets.

- A partial date is one object, `{"date": "2019-03-01", "precision": "month"}`, read and written.
- Related records are read as compact nested objects (null when the client may not read them)
  and written as ids (`district_id`), accepted only when the client may read the record (a
  district: only when it may write to it).
- Writes end in the model's `full_clean()`, the back office's one validation path (NetBox
  ValidatedModelSerializer), inside a transaction: a 400 writes nothing.
- Every GET carries a strong ETag of its body (`If-None-Match` → 304); a write with an
  `If-Match` that is not the current representation's ETag answers 412 and changes nothing.
"""

import hashlib
from functools import cached_property

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import CheckConstraint, ProtectedError, Q, RestrictedError, UniqueConstraint
from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import parse_etags
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import (
    ISO_8601,
    exceptions,
    generics,
    permissions,
    renderers,
    serializers,
    viewsets,
)
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.validators import UniqueValidator

from partnerships import services
from partnerships.api.auth import MAX_ID, ReadAnyoneWriteWithToken, RecordPolicy, Visibility
from partnerships.choices import DatePrecision, PublicationState, RecordAction
from partnerships.models import DatabaseBusy, DataVersion, PublishableModel, Source
from partnerships.selectors import why_not

WRITE_METHODS = ("PUT", "PATCH", "DELETE")


class PartialDateSerializer(serializers.Serializer):
    date = serializers.DateField(help_text=_("Stored as the 1st of the month or 1 January."))
    precision = serializers.ChoiceField(choices=DatePrecision.choices)


@extend_schema_field(PartialDateSerializer)
class PartialDateField(serializers.Field):
    """`{"date": "2019-03-01", "precision": "month"}` or null, over a date and its precision."""

    def __init__(self, date_field: str, **kwargs):
        self.model_fields = (date_field, f"{date_field}_precision")
        super().__init__(source="*", required=False, allow_null=True, **kwargs)

    def to_representation(self, instance):
        date_field, precision_field = self.model_fields
        value = getattr(instance, date_field)
        if value is None:
            return None
        return {"date": value.isoformat(), "precision": getattr(instance, precision_field)}

    def run_validation(self, data=serializers.empty):
        if data is None:
            return {self.model_fields[0]: None, self.model_fields[1]: DatePrecision.DAY}
        return super().run_validation(data)

    def to_internal_value(self, data):
        nested = PartialDateSerializer(data=data)
        nested.is_valid(raise_exception=True)
        return dict(zip(self.model_fields, nested.validated_data.values(), strict=True))


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A writable foreign key given by id: any record the client may read is accepted."""

    def __init__(self, model, **kwargs):
        super().__init__(queryset=model._default_manager.all(), write_only=True, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        if issubclass(queryset.model, PublishableModel):
            return self.context["visibility"].filter(queryset)
        if queryset.model is Source:
            return self.context["visibility"].sources(queryset)
        return queryset

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class WritableDistrictField(VisibleRelatedField):
    """A district the client may write to; any other answers "does not exist"."""

    def get_queryset(self):
        district_ids = self.context["visibility"].district_ids
        districts = self.queryset.model._default_manager.all()
        return districts if district_ids is None else districts.filter(id__in=district_ids)

    def use_pk_only_optimization(self):
        return False


def serializer_columns(serializer, prefix: str = "") -> list[str]:
    columns = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.Serializer):
            columns += serializer_columns(field, f"{prefix}{name}.")
        elif isinstance(field, PartialDateField):
            columns += [f"{prefix}{name}.date", f"{prefix}{name}.precision"]
        else:
            columns.append(f"{prefix}{name}")
    return columns


class CompactSerializer(serializers.ModelSerializer):
    """A related record in brief; null when it is a draft the client may not read."""

    def to_representation(self, instance):
        visibility = self.context.get("visibility")
        if hasattr(instance, "state") and visibility and not visibility.shows(instance):
            return None
        return super().to_representation(instance)


def constrained_fields(model) -> dict[str, str]:
    """The violation message of each constraint on a single field, with that field's name."""
    fields = {}
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint):
            names = set(constraint.fields)
        elif isinstance(constraint, CheckConstraint):
            names = set(condition_fields(constraint.condition))
        else:
            continue
        if len(names) == 1:
            fields[str(constraint.get_violation_error_message())] = names.pop()
    return fields


def condition_fields(condition: Q):
    for child in condition.children:
        if isinstance(child, Q):
            yield from condition_fields(child)
        else:
            yield child[0].split("__")[0]


class ValidatedModelSerializer(serializers.ModelSerializer):
    """Writes end in the model's `full_clean()`, the back office's one validation path."""

    def get_validators(self):
        return []  # the model's constraints are checked once, by full_clean()

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            # Uniqueness too: full_clean() answers with the constraint's own message ("this
            # patent is already recorded"), the same as the back office and the import. It
            # names nothing of the record holding the number, which may be a draft of another
            # district (see `blank_unique_constraint`).
            field.validators = [
                validator
                for validator in field.validators
                if not isinstance(validator, UniqueValidator)
            ]
        return fields

    def validate(self, attrs):
        instance = self.instance if self.instance is not None else self.Meta.model()
        for name, value in attrs.items():
            setattr(instance, name, value)
        try:
            instance.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(self.api_errors(error)) from None
        self.cleaned_instance = instance
        return attrs

    def api_errors(self, error: DjangoValidationError) -> dict:
        """Errors by API field name (`district` → `district_id`).

        A database constraint on one field (funding not negative, a unique USCC) reports its
        message without a field; it is put back on the field it constrains.
        """
        names = {}
        for field in self._writable_fields:
            for source in getattr(field, "model_fields", (field.source,)):
                names[source] = field.field_name
        constrained = constrained_fields(self.Meta.model)
        errors = {}
        for name, messages in error.message_dict.items():
            for message in messages:
                target = names.get(
                    constrained.get(message, name), api_settings.NON_FIELD_ERRORS_KEY
                )
                errors.setdefault(target, []).append(message)
        return errors

    def create(self, validated_data):
        self.cleaned_instance.save()
        return self.cleaned_instance

    def update(self, instance, validated_data):
        self.cleaned_instance.save()
        return self.cleaned_instance


# --- Views ---------------------------------------------------------------------------------------


class Conflict(exceptions.APIException):
    status_code = 409
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = _("The record has changed since you read it (If-Match); read it again.")
    default_code = "precondition_failed"


class ServiceUnavailable(exceptions.APIException):
    """The database did not answer in time (a lock held by a long write, a restart): nothing
    was written and nothing was judged; the same request may succeed in a few seconds."""

    status_code = 503
    default_detail = DatabaseBusy.message
    default_code = "database_busy"
    # DRF's exception handler sends `wait` as Retry-After.
    wait = 5


def etag_of(content: bytes) -> str:
    return f'"{hashlib.sha256(content).hexdigest()[:32]}"'


def representation_etag(data) -> str:
    """The ETag of a record's GET representation as JSON (what If-Match is compared with)."""
    return etag_of(renderers.JSONRenderer().render(data))


class RegistryViewMixin:
    """Response headers of every API view: rate limits, and ETags with 304 on reads."""

    def handle_exception(self, exc):
        # A lock or statement timeout, a lost connection: the request's transaction was rolled
        # back, and the same request may succeed when retried (DatabaseBusy: during validation).
        if isinstance(exc, DatabaseBusy | OperationalError):
            exc = ServiceUnavailable()
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for header, value in getattr(request, "rate_limit", {}).items():
            response[header] = value
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response.render()
            etag = etag_of(response.content)
            response["ETag"] = etag
            if etag in parse_etags(request.headers.get("If-None-Match", "").replace("W/", "")):
                not_modified = HttpResponseNotModified()
                for header in ("ETag", "Vary", *getattr(request, "rate_limit", {})):
                    if header in response:
                        not_modified[header] = response[header]
                return not_modified
        elif request.method in ("POST", "PUT", "PATCH") and 200 <= response.status_code < 300:
            response["ETag"] = representation_etag(response.data)
        return response


class RegistryViewSetMixin(RegistryViewMixin):
    """Visibility, If-Match and all-or-nothing validated writes for a resource viewset."""

    permission_classes = [ReadAnyoneWriteWithToken]
    # Any path segment reaches the view, so that a malformed id gets a JSON 404, not HTML.
    lookup_value_regex = "[^/]+"

    @cached_property
    def visibility(self) -> Visibility:
        return Visibility.for_request(self.request)

    def visible(self, queryset):
        """Reads see what the client may read; writes reach only its districts' records."""
        if self.request.method in permissions.SAFE_METHODS:
            return self.visibility.filter(queryset)
        # Locks the row between the If-Match check and the save (PostgreSQL); the data
        # version's row first, as every business write takes them (DataVersion.lock).
        DataVersion.objects.lock()
        return self.visibility.writable(queryset).select_for_update(of=("self",))

    def get_serializer_context(self):
        return super().get_serializer_context() | {"visibility": self.visibility}

    def get_csv_columns(self) -> list[str]:
        return serializer_columns(self.get_serializer())

    # Lists and details read rows, not instances (`RowReader`); a resource opts in.
    read_rows = False

    def row_reader(self, queryset) -> "RowReader | None":
        if not self.read_rows or self.request.method not in ("GET", "HEAD"):
            return None
        return RowReader.of(self.get_serializer_class())

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        reader = self.row_reader(queryset)
        if reader is None:
            return super().list(request, *args, **kwargs)
        values = reader.values(self.filter_queryset(queryset))
        rows = self.paginate_queryset(values)
        if rows is None:
            return Response(reader.represent(list(values), self.visibility, queryset))
        return self.get_paginated_response(reader.represent(rows, self.visibility, queryset))

    def retrieve(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        reader = self.row_reader(queryset)
        if reader is None:
            return super().retrieve(request, *args, **kwargs)
        # What GenericAPIView.get_object does, on rows.
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        rows = reader.values(self.filter_queryset(queryset))
        row = generics.get_object_or_404(rows, **{self.lookup_field: lookup})
        self.check_object_permissions(request, row)
        return Response(reader.represent([row], self.visibility, queryset)[0])

    def get_object(self):
        instance = super().get_object()
        if_match = self.request.headers.get("If-Match")
        if self.request.method in WRITE_METHODS and if_match and if_match.strip() != "*":
            current = representation_etag(self.get_serializer(instance).data)
            if current not in parse_etags(if_match.replace("W/", "")):
                raise PreconditionFailed
        return instance


class RegistryReadOnlyViewSet(RegistryViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """A resource only read through the API (districts, sources, sectors)."""


def step_schema(summary):
    return extend_schema(
        summary=summary,
        request=None,
        description=_(
            "A review workflow step (draft → submitted → published → withdrawn; submitted → "
            "draft). Answers the record as it is now; 403 when your role may not make the "
            "step, 409 when the record's state does not allow it, 400 when the record (or a "
            "figure that moves with it) is not valid."
        ),
    )


class RegistryModelViewSet(RegistryViewSetMixin, viewsets.ModelViewSet):
    """A resource a write token may create, change and delete; each write is all or nothing.

    Changes and deletes follow the permission policy (`RecordPolicy`); the publication state is
    read-only and moves only through the workflow steps, `POST <record>/submit/`, `publish/`,
    `withdraw/` and `return-to-draft/`, each calling its service in `partnerships.services`.
    """

    permission_classes = [ReadAnyoneWriteWithToken, RecordPolicy]

    def create(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().destroy(request, *args, **kwargs)

    def perform_create(self, serializer):
        refusal = why_not(self.request.user, RecordAction.ADD, serializer.cleaned_instance)
        if refusal is not None:
            raise exceptions.PermissionDenied(refusal.message)
        self.save(serializer)

    def perform_update(self, serializer):
        self.save(serializer)

    def save(self, serializer):
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError:
            # A concurrent write won a uniqueness race that full_clean() had just passed.
            raise Conflict(_("Another record was saved with the same values; try again.")) from None
        # Read back through the viewset's queryset: the response is the GET representation.
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        try:
            with transaction.atomic():
                instance.delete()
        except (ProtectedError, RestrictedError) as error:
            counts = {}
            for record in (
                error.protected_objects
                if isinstance(error, ProtectedError)
                else (error.restricted_objects)
            ):
                label = str(record._meta.verbose_name_plural)
                counts[label] = counts.get(label, 0) + 1
            detail = ", ".join(f"{label}: {n}" for label, n in sorted(counts.items()))
            raise Conflict(
                _("Other records refer to this one (%(detail)s); change or delete them first.")
                % {"detail": detail}
            ) from None

    # --- Workflow steps ---------------------------------------------------------------------

    def record_step(self, request, step: str):
        with transaction.atomic():
            record = self.get_object()
            try:
                services.record_step(record, step, user=request.user)
            except DjangoValidationError as error:
                if getattr(error, "code", None) == "invalid_transition":
                    raise Conflict(error.messages[0]) from None
                raise serializers.ValidationError(self.step_errors(error)) from None
            # Read back through the viewset's queryset: the response is the GET representation.
            data = self.get_serializer(self.get_queryset().get(pk=record.pk)).data
        return Response(data)

    def step_errors(self, error: DjangoValidationError) -> dict:
        if hasattr(error, "error_dict"):
            return self.get_serializer().api_errors(error)
        return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}

    @step_schema(_("Submit the draft for review"))
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self.record_step(request, RecordAction.SUBMIT)

    @step_schema(_("Publish the submitted record (publishers)"))
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self.record_step(request, RecordAction.PUBLISH)

    @step_schema(_("Withdraw the published record from the public (publishers)"))
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self.record_step(request, RecordAction.WITHDRAW)

    @step_schema(_("Return the submitted record to its editors as a draft (publishers)"))
    @action(detail=True, methods=["post"], url_path="return-to-draft")
    def return_to_draft(self, request, pk=None):
        return self.record_step(request, RecordAction.RETURN_TO_DRAFT)


# --- The read path: representations from rows ----------------------------------------------------


class RowReader:
    """A serializer's read representation built from `.values()` rows, byte for byte the same.

    Lists of 100 nested records spent most of their time creating model instances and running
    a serializer per record and per nested object, not in the database. This reads the columns
    the serializer shows as plain rows (compact related records joined in the same query, each
    nested list in one more query, as the prefetches did) and calls only the fields'
    `to_representation` on the values. The serializer stays the one definition of the output
    (and of writes and the schema): `for_serializer` answers None for any field it cannot read
    from a column, and the viewset then serializes as before.
    """

    # Per serializer class: building a serializer's fields costs more than reading a record.
    readers = {}

    def __init__(self, model, plan, columns):
        self.model = model
        self.plan = plan
        self.columns = columns

    @classmethod
    def of(cls, serializer_class) -> "RowReader | None":
        if serializer_class not in cls.readers:
            # Fields are bound without a request; what varies per request (the visibility,
            # the nested lists' querysets) is given to `represent`.
            cls.readers[serializer_class] = cls.for_serializer(serializer_class())
        return cls.readers[serializer_class]

    @classmethod
    def for_serializer(cls, serializer) -> "RowReader | None":
        model = serializer.Meta.model
        plan, columns = [], ["id"]
        for field in serializer._readable_fields:
            name = field.field_name
            if isinstance(field, PartialDateField):
                date, precision = field.model_fields
                plan.append((name, "date", (date, precision)))
                columns += [date, precision]
            elif isinstance(field, serializers.ListSerializer):
                many = cls.for_many(model, field)
                if many is None:
                    return None
                plan.append((name, "many", many))
            elif isinstance(field, CompactSerializer):
                compact = cls.for_compact(model, field)
                if compact is None:
                    return None
                plan.append((name, "compact", compact))
                columns += [compact[0], *(column for _n, column, _c in compact[1]), *compact[2]]
            elif isinstance(field, serializers.BaseSerializer) or not column_of(model, field):
                return None
            elif iso_datetime_field(field):
                plan.append((name, "datetime", (field.source, field.to_representation)))
                columns.append(field.source)
            else:
                plan.append((name, "value", (field.source, field.to_representation)))
                columns.append(field.source)
        return cls(model, plan, list(dict.fromkeys(columns)))

    @classmethod
    def for_compact(cls, model, field):
        try:
            relation = model._meta.get_field(field.source)
        except FieldDoesNotExist:
            return None
        if not relation.many_to_one:
            return None
        related = relation.related_model
        subfields = []
        for sub in field._readable_fields:
            if isinstance(sub, serializers.BaseSerializer) or not column_of(related, sub):
                return None
            subfields.append(
                (sub.field_name, f"{field.source}__{sub.source}", sub.to_representation)
            )
        # CompactSerializer shows a publishable record only to a client that may read it.
        visibility = ()
        if hasattr(related, "state"):
            visibility = (f"{field.source}__state", f"{field.source}__district_id")
        return relation.attname, subfields, visibility

    @classmethod
    def for_many(cls, model, field):
        try:
            relation = model._meta.get_field(field.source)
        except FieldDoesNotExist:
            return None
        # A list of compact records would also hide each one the client may not read.
        if not relation.one_to_many or isinstance(field.child, CompactSerializer):
            return None
        reader = cls.for_serializer(field.child)
        if reader is None:
            return None
        return (
            reader,
            (field.source, relation.related_model),
            relation.field.name,
            relation.field.attname,
        )

    def values(self, queryset):
        """The rows of `queryset`, with the columns of any ordering (the cursor reads them)."""
        ordering = [str(name).lstrip("-") for name in queryset.query.order_by]
        columns = list(dict.fromkeys([*self.columns, *ordering]))
        return queryset.prefetch_related(None).values(*columns)

    def represent(self, rows, visibility, queryset=None) -> list[dict]:
        """The representations of `rows`; nested lists read with `queryset`'s prefetches."""
        prefetches = {
            getattr(lookup, "prefetch_to", lookup): getattr(lookup, "queryset", None)
            for lookup in (queryset._prefetch_related_lookups if queryset is not None else ())
        }
        nested = {}
        ids = [row["id"] for row in rows]
        for name, kind, spec in self.plan:
            if kind == "many" and ids:
                reader, (relation, related_model), fk_name, fk_column = spec
                children = prefetches.get(relation)
                if children is None:
                    children = related_model._default_manager.all()
                children = (
                    children.prefetch_related(None)
                    .filter(**{f"{fk_name}__in": ids})
                    .values(fk_column, *reader.columns)
                )
                children = list(children)
                grouped = {}
                for child, data in zip(
                    children, reader.represent(children, visibility), strict=True
                ):
                    grouped.setdefault(child[fk_column], []).append(data)
                nested[name] = grouped
        district_ids = visibility.district_ids
        # What DateTimeField.to_representation does, with the time zone looked up once.
        zone = timezone.get_current_timezone() if settings.USE_TZ else None
        result = []
        for row in rows:
            data = {}
            for name, kind, spec in self.plan:
                if kind == "value":
                    value = row[spec[0]]
                    data[name] = None if value is None else spec[1](value)
                elif kind == "datetime":
                    value = row[spec[0]]
                    if value is None or zone is None or value.tzinfo is None:
                        data[name] = None if value is None else spec[1](value)
                    else:
                        text = value.astimezone(zone).isoformat()
                        data[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
                elif kind == "compact":
                    fk, subfields, shown = spec
                    if row[fk] is None or (
                        shown
                        and district_ids is not None
                        and row[shown[0]] != PublicationState.PUBLISHED
                        and row[shown[1]] not in district_ids
                    ):
                        data[name] = None
                    else:
                        data[name] = {
                            sub: None if row[column] is None else convert(row[column])
                            for sub, column, convert in subfields
                        }
                elif kind == "date":
                    date = row[spec[0]]
                    data[name] = (
                        None
                        if date is None
                        else {"date": date.isoformat(), "precision": row[spec[1]]}
                    )
                else:
                    data[name] = nested.get(name, {}).get(row["id"], [])
            result.append(data)
        return result


def iso_datetime_field(field) -> bool:
    """A DateTimeField shown in ISO 8601 in the current time zone (`RowReader` does it faster)."""
    output = getattr(field, "format", api_settings.DATETIME_FORMAT)
    return (
        type(field) is serializers.DateTimeField
        and not hasattr(field, "timezone")
        and isinstance(output, str)
        and output.lower() == ISO_8601
    )


def column_of(model, field) -> bool:
    """Whether a serializer field shows one concrete, non-relation column of `model` as is."""
    if field.source == "*" or "." in field.source:
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return False
    return model_field.concrete and not model_field.is_relation
