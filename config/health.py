"""The health check load balancers and orchestrators poll: GET /healthz.

200 {"status": "ok", "database": "ok"} when every configured database answers a `SELECT 1`; 503
with a reason when one does not, so the balancer stops sending traffic to this server until it
recovers. It reads no session and needs no log-in, and it costs one query per database, cheap
enough to poll every few seconds.

The answer is for machines, so its words are fixed English codes, not translated text. The
database's own error (which may name hosts and ports) goes to the error log, not to the client.
"""

import logging

from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def database_problem(alias: str) -> str | None:
    """Why the database behind `alias` cannot serve requests, or None when it can."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.error("Health check: database %r is unavailable: %s", alias, error)
        return f"database {alias!r} unavailable ({type(error).__name__})"
    return None


@never_cache
@require_safe
def healthz(request):
    for alias in connections:
        problem = database_problem(alias)
        if problem is not None:
            return JsonResponse(
                {"status": "error", "database": "error", "reason": problem}, status=503
            )
    return JsonResponse({"status": "ok", "database": "ok"})
