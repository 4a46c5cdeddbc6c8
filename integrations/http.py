"""One outgoing HTTP request, bounded: a timeout per network read, an overall deadline (the same
socket-closing deadline as sources.readers, so a server trickling bytes cannot hold a worker), a
cap on the body read, and redirects followed only to http(s) URLs (or not at all).

Non-2xx answers are returned, not raised: the caller decides what a 304, 410 or 500 means.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin

from django.utils.translation import gettext as _

from sources.readers import _Deadline, _watched
from sources.validation import InvalidInput, clean_url

USER_AGENT = "factcheck/1.0 (+claim tracking)"
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5


class RequestFailed(Exception):
    """No HTTP answer: the connection failed, the deadline passed, or the body was too large."""


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes
    url: str
    truncated: bool = False  # the body was cut at max_bytes (truncate=True)


class _NoErrors(urllib.request.HTTPErrorProcessor):
    """Hands every answer back as it is: no HTTPError, and so no automatic redirect."""

    def http_response(self, request, response):
        return response

    https_response = http_response


def _opener(deadline: _Deadline) -> urllib.request.OpenerDirector:
    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(_watched(http.client.HTTPConnection, deadline.watch), req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(_watched(http.client.HTTPSConnection, deadline.watch), req, context=self._context)

    return urllib.request.build_opener(HTTP, HTTPS, _NoErrors)


def _read(response, max_bytes: int, deadline: _Deadline, truncate: bool) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline.ends:
            raise TimeoutError
        chunk = response.read1(65536)
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            if truncate:
                return b"".join(chunks)[:max_bytes], True
            raise RequestFailed(_("too large (over %(limit)s bytes)") % {"limit": f"{max_bytes:,}"})


def request(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float,
    deadline: float,
    max_bytes: int,
    follow_redirects: bool = False,
    truncate: bool = False,
) -> Response:
    """Send one request and read its answer within `deadline` seconds overall.

    `follow_redirects` (GET only) follows up to five redirects, each to an http(s) URL; without it
    a 3xx is the answer. A body over `max_bytes` is an error, or cut there with `truncate`.
    Raises RequestFailed when there is no answer to return.
    """
    with _Deadline(deadline) as clock:
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                try:
                    url = clean_url(url, "url")
                except InvalidInput as exc:
                    raise RequestFailed(str(exc)) from None
                prepared = urllib.request.Request(  # noqa: S310 (the scheme is checked just above)
                    url, data=body, method=method, headers={"User-Agent": USER_AGENT, **(headers or {})}
                )
                with _opener(clock).open(prepared, timeout=timeout) as answer:
                    location = answer.headers.get("Location")
                    if follow_redirects and method == "GET" and answer.status in REDIRECTS and location:
                        url = urljoin(url, location)
                        continue
                    data, cut = _read(answer, max_bytes, clock, truncate)
                    if clock.passed:
                        raise TimeoutError
                    return Response(answer.status, answer.headers, data, url, cut)
            raise RequestFailed(_("more than %(count)d redirects") % {"count": MAX_REDIRECTS})
        except RequestFailed:
            raise
        except (OSError, http.client.HTTPException, urllib.error.URLError, ValueError) as exc:
            if clock.passed or time.monotonic() > clock.ends:
                message = _("took longer than %(seconds)s s, gave up") % {"seconds": f"{deadline:g}"}
            elif isinstance(exc, http.client.HTTPException):
                message = _("the server's answer is not HTTP (%(error)s)") % {"error": type(exc).__name__}
            else:
                reason = str(getattr(exc, "reason", None) or exc) or type(exc).__name__
                message = _("cannot connect: %(reason)s") % {"reason": reason}
            raise RequestFailed(message) from None
