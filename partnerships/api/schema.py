"""The OpenAPI schema's view of the API machinery (drf-spectacular).

Loaded through settings.REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"], which also registers the
token authentication extension before any schema is generated.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from partnerships.api.auth import BearerTokenAuthentication

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A 400 names each field that is wrong (or "non_field_errors") with its messages.
FIELD_ERRORS = {"type": "object", "additionalProperties": True}

ERRORS = {
    "400": (FIELD_ERRORS, _("Invalid parameters or body: messages by field.")),
    "401": (DETAIL, _("The token is invalid, expired or revoked (or missing for a write).")),
    "403": (DETAIL, _("The token may not write, or not to this district.")),
    "404": (
        DETAIL,
        _("No such record for this client (drafts are not shown to the public), or format."),
    ),
    "409": (DETAIL, _("Other records still refer to this one, or a concurrent write won.")),
    "412": (DETAIL, _("If-Match does not match the record's current ETag: read it again.")),
    "429": (DETAIL, _("Rate limit reached: wait Retry-After seconds.")),
}
ERRORS_BY_METHOD = {
    "GET": ("400", "401", "404", "429"),
    "POST": ("400", "401", "403", "404", "409", "429"),
    "PUT": ("400", "401", "403", "404", "409", "412", "429"),
    "PATCH": ("400", "401", "403", "404", "409", "412", "429"),
    "DELETE": ("401", "403", "404", "409", "412", "429"),
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "prefix.secret"}


class RegistryAutoSchema(AutoSchema):
    """Documents the error answers every operation can give, the format, and CSV as text."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in ERRORS_BY_METHOD.get(self.method, ()):
            schema, description = ERRORS[code]
            responses.setdefault(
                code, self._get_response_for_code(OpenApiResponse(schema, description), code)
            )
        return responses

    def _get_format_parameters(self):
        parameters = super()._get_format_parameters()
        for parameter in parameters:
            parameter["description"] = str(
                _("csv for comma-separated values (or send Accept: text/csv); json by default.")
            )
        return parameters

    def _get_response_for_code(self, serializer, status_code, media_types=None, **kwargs):
        response = super()._get_response_for_code(serializer, status_code, media_types, **kwargs)
        if "text/csv" in response.get("content", {}):
            response["content"]["text/csv"] = {"schema": {"type": "string"}}
        return response
