"""The integrations' outgoing requests are bounded: an overall deadline, a size cap, and
redirects only to http(s) (and none for webhooks)."""

from __future__ import annotations

import contextlib
import socketserver
import threading
import time

import pytest

from integrations import http

ANSWERS = {
    "/ok": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "/to-ok": b"HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n",
    "/to-file": b"HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\n\r\n",
    "/to-ftp": b"HTTP/1.1 301 Moved\r\nLocation: ftp://127.0.0.1/x\r\nContent-Length: 0\r\n\r\n",
    "/loop": b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n",
    "/big": b"HTTP/1.1 500 Oops\r\n\r\n" + b"x" * 200_000,
    "/garbage": b"garbage\r\n\r\n",
}


@pytest.fixture(scope="module")
def server():
    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            path = self.request.recv(65536).split(b" ")[1].decode()
            with contextlib.suppress(OSError):
                if path == "/trickle":
                    self.request.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
                    for _ in range(50):
                        self.request.sendall(b"x")
                        time.sleep(0.2)
                else:
                    self.request.sendall(ANSWERS[path])

    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def get(url: str, **kwargs) -> http.Response:
    return http.request(url, **{"timeout": 5, "deadline": 5, "max_bytes": 1000, **kwargs})


def test_a_get_follows_redirects_to_http_and_a_post_does_not(server):
    assert get(server + "/to-ok", follow_redirects=True).body == b"ok"
    answer = get(server + "/to-ok", method="POST", body=b"{}", follow_redirects=False)
    assert answer.status == 302


@pytest.mark.parametrize("path", ["/to-file", "/to-ftp"])
def test_a_redirect_to_another_scheme_is_refused(server, path):
    with pytest.raises(http.RequestFailed, match="http:// or https://"):
        get(server + path, follow_redirects=True)


def test_redirect_loops_end(server):
    with pytest.raises(http.RequestFailed, match="redirects"):
        get(server + "/loop", follow_redirects=True)


def test_bodies_are_capped_or_cut_and_error_answers_are_returned(server):
    with pytest.raises(http.RequestFailed, match="too large"):
        get(server + "/big")
    cut = get(server + "/big", truncate=True)
    assert (cut.status, len(cut.body), cut.truncated) == (500, 1000, True)


def test_a_trickling_server_is_given_up_on_at_the_deadline(server):
    started = time.monotonic()
    with pytest.raises(http.RequestFailed, match="took longer than 1 s"):
        get(server + "/trickle", deadline=1, max_bytes=10_000)
    assert time.monotonic() - started < 3


def test_no_answer_is_a_named_failure(server):
    with pytest.raises(http.RequestFailed, match="not HTTP"):
        get(server + "/garbage")
