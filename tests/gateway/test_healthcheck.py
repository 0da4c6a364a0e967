"""`python -m gateway.healthcheck`: 0 when /readyz answers 200, 1 otherwise, probing a
wildcard bind on loopback; against real sockets."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gateway.healthcheck import main, readyz_url
from tests.processes import free_port


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0", "http://127.0.0.1:8080/readyz"),
        ("::", "http://[::1]:8080/readyz"),
        ("127.0.0.1", "http://127.0.0.1:8080/readyz"),
        ("::1", "http://[::1]:8080/readyz"),
        ("localhost", "http://localhost:8080/readyz"),
    ],
)
def test_readyz_url(host: str, url: str) -> None:
    assert readyz_url(host, 8080) == url


class Readyz(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = self.status if self.path == "/readyz" else 404
        self.send_response(code)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Readyz)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(("status", "code"), [(200, 0), (503, 1)])
def test_exit_code_follows_readyz(
    server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch, status: int, code: int
) -> None:
    monkeypatch.setattr(Readyz, "status", status)
    monkeypatch.setenv("HYBRIDGATE_SERVER__HOST", "0.0.0.0")
    monkeypatch.setenv("HYBRIDGATE_AUTH__MODE", "entra")
    monkeypatch.setenv("HYBRIDGATE_AUTH__ENTRA__TENANT_ID", "t")
    monkeypatch.setenv("HYBRIDGATE_AUTH__ENTRA__AUDIENCES", '["api://x"]')
    monkeypatch.setenv("HYBRIDGATE_SERVER__PORT", str(server.server_address[1]))
    assert main([]) == code


def test_edge_probe_uses_the_edge_settings(
    server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYBRIDGATE_EDGE__PORT", str(server.server_address[1]))
    monkeypatch.setenv("HYBRIDGATE_SERVER__PORT", str(free_port()))  # nothing there
    assert main(["--edge"]) == 0
    assert main([]) == 1


def test_a_bad_config_is_unhealthy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDGATE_SERVER__PORT", "not-a-port")
    assert main([]) == 1
