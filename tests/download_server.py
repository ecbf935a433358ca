"""A real HTTP server on 127.0.0.1 for the download tests, and a guard that fails any
connection or name lookup outside the machine.

The server serves files with range requests, and per file a queue of behaviours for the
next requests: ``"ok"``, ``"503"`` (Service Unavailable), ``"cut:N"`` (announces the whole
length, sends N bytes and closes the connection), ``"norange"`` (ignores Range, sends 200 and
the whole file). JSON routes serve recorded search responses. ``edl`` emulates the Earthdata
Login flow: a data path without the session cookie is redirected to the login host
(``localhost``), which checks the Basic credential and sends the client back with a code that
the data server turns into a cookie. Every request is logged (method, host, path, headers).
"""

from __future__ import annotations

import base64
import http.server
import ipaddress
import json
import socket
import threading
from urllib.parse import parse_qs, urlsplit

import pytest

LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "localhost.localdomain"}


def _is_local(host) -> bool:
    if host is None:
        return True
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail any connection or DNS lookup that leaves 127.0.0.1 (tests must not reach out)."""
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            raise AssertionError(f"test tried to connect outside the machine: {address}")
        return real_connect(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host):
            raise AssertionError(f"test tried to look up {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        srv = self.server.owner
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        host = (self.headers.get("Host") or "").split(":")[0]
        srv.log.append({"method": "GET", "host": host, "path": parts.path, "query": parts.query,
                        "headers": dict(self.headers.items())})
        if parts.path == "/urs/authorize":
            return self._login(query)
        if parts.path in srv.routes:
            status, headers, body = srv.routes[parts.path](query, self.headers)
            return self._send(status, body, headers)
        if parts.path not in srv.files:
            return self._send(404, b"not found")
        if parts.path in srv.edl and not self._edl_ok(parts, query):
            return None
        auth = srv.basic.get(parts.path)
        if auth and self.headers.get("Authorization") != "Basic " + base64.b64encode(auth.encode()).decode():
            return self._send(401, b"login required", {"WWW-Authenticate": 'Basic realm="test"'})
        bearer = srv.bearer.get(parts.path)
        if bearer and self.headers.get("Authorization") != f"Bearer {bearer}":
            return self._send(401, b"token required")
        queue = srv.behaviour.get(parts.path) or []
        mode = queue.pop(0) if queue else "ok"
        data = srv.files[parts.path]
        if mode == "503":
            return self._send(503, b"busy", {"Retry-After": "0"})
        if mode.startswith("status:"):
            return self._send(int(mode.split(":")[1]), b"no")
        start = 0
        rng = self.headers.get("Range")
        if rng and mode != "norange":
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                return self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        if mode.startswith("cut:"):
            n = int(mode.split(":")[1])
            self.wfile.write(data[start:start + n])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        self.wfile.write(data[start:])
        return None

    def _edl_ok(self, parts, query) -> bool:
        srv = self.server.owner
        if "session=edl-ok" in (self.headers.get("Cookie") or ""):
            return True
        back = f"http://127.0.0.1:{srv.port}{parts.path}"
        if query.get("code") == ["granted"]:
            self._send(302, b"", {"Location": back, "Set-Cookie": "session=edl-ok; Path=/"})
            return False
        self._send(302, b"", {"Location": f"http://localhost:{srv.port}/urs/authorize?redirect_uri={back}"})
        return False

    def _login(self, query):
        srv = self.server.owner
        want = "Basic " + base64.b64encode(srv.edl_login.encode()).decode()
        if self.headers.get("Authorization") != want:
            return self._send(401, b"bad login", {"WWW-Authenticate": 'Basic realm="Please enter your Earthdata Login"'})
        return self._send(302, b"", {"Location": query["redirect_uri"][0] + "?code=granted"})


class _Threaded(http.server.ThreadingHTTPServer):
    daemon_threads = True


class Server:
    """Start with ``with Server() as srv``; ``srv.url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.behaviour: dict[str, list[str]] = {}
        self.routes: dict = {}
        self.basic: dict[str, str] = {}
        self.bearer: dict[str, str] = {}
        self.edl: set[str] = set()
        self.edl_login = ""
        self.log: list[dict] = []

    def __enter__(self):
        self.httpd = _Threaded(("127.0.0.1", 0), Handler)
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def json_route(self, path, doc, headers=None):
        body = json.dumps(doc).encode()
        self.routes[path] = lambda q, h: (200, {"Content-Type": "application/json", **(headers or {})}, body)

    def gets(self, path):
        return [r for r in self.log if r["path"] == path]
