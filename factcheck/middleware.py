"""A database outage answers 503 Service Unavailable with Retry-After, not a 500 debug page.

Django opens a connection per request (or re-checks a persistent one: CONN_HEALTH_CHECKS), so
nothing needs restarting when the database comes back: the next request simply succeeds. What
was missing is the answer in between: clients and load balancers should see "try again later".
The embedded default has no one else to start its server again, so the web process does.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` says the database cannot be reached (refused, gone, closed), not a bad query.

    Connection failures surface as OperationalError (psycopg cannot connect, the server shut down)
    or InterfaceError (a connection already closed); a query error is a DatabaseError of another kind.
    """
    return isinstance(error, OperationalError | InterfaceError)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON for the API, a short page for people (the admin)."""
    message = _("The database is unavailable at the moment. Please try again in a little while.")
    if request.path.startswith(API_PREFIX):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        title = _("Service unavailable")
        body = f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(message)}</p>"
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(settings.FACTCHECK_RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a connection failure raised by a view into 503 + Retry-After (with DEBUG on too)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        logger.error("Database unavailable for %s %s: %s", request.method, request.path, exception)
        restart_embedded_database()
        return database_unavailable_response(request)


def restart_embedded_database() -> None:
    """With the embedded default (no DATABASE_URL) nobody else will start a stopped server: this
    process does, so the next request is served again. The server keeps its data directory and
    socket; should it come back elsewhere, the connection settings follow it."""
    if not settings.EMBEDDED_PGDATA:
        return
    from factcheck.embedded_pg import restart_if_stopped

    server = restart_if_stopped(settings.EMBEDDED_PGDATA)
    if server is not None:
        for config in (settings.DATABASES["default"], connections["default"].settings_dict):
            config.update(HOST=server.socket_dir, PORT=str(server.port))


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: 503 when the error was the database going away outside a view.

    Middleware (sessions saving, the cache-backed throttles) can meet the outage before or after
    the view, where process_exception does not see it; Django calls this handler while the
    exception is still being handled, so ``sys.exc_info()`` names it.
    """
    if is_database_unavailable(sys.exc_info()[1]):
        restart_embedded_database()
        return database_unavailable_response(request)
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)
