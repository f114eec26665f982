"""What every REST API view shares, and the base app's own endpoints.

The resources themselves live in each app's API module (thin viewsets, explicit querysets;
`partnerships.api.endpoints` for the base app's records). Their shared machinery is here, so
each rule exists once:

- `auth`: visibility (anonymous clients and read-scope tokens see published records only; a
  write-scope token also sees the drafts of the districts its user may edit), token
  authentication (`Authorization: Bearer prefix.secret`), deny-by-default permissions and a
  throttle that reports its limits in `X-RateLimit-*` headers;
- `pagination`: keyset cursor paging that stays exact and equally fast at any depth, for any
  `ordering`;
- `renderers`: JSON written by orjson with DRF's bytes, a JSON parser with size limits, and CSV
  safe to open in Excel (BOM, formula cells neutralised);
- `resources`: serializer fields, strong ETags on reads (`If-None-Match` → 304), `If-Match` on
  writes (stale → 412), writes that end in the model's `full_clean()`, all or nothing, and the
  viewset mixins with the workflow step actions, and `RowReader` (lists and details read as
  plain rows instead of serializers);
- `schema`: adapts the OpenAPI schema.

The classes named in settings.REST_FRAMEWORK live in `auth`, `pagination`, `renderers` and
`schema`, modules that import no DRF view, because DRF imports them while its views are being
defined; this package's `__init__` therefore imports nothing.
"""
