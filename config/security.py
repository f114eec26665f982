"""Start-up guard of the WSGI and ASGI entry points.

Management commands and tests may run on the development SECRET_KEY (`check --deploy` flags it);
a server answering requests may not, unless DEBUG says it is a developer's machine.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def refuse_development_secret_key() -> None:
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: a production server needs its own random key of 50 or more "
            "characters (or DEBUG=true on a developer's machine)."
        )
