"""The completion route table (gateway/api/routes.py): FastAPI's routes and the fast
path are both made from it, and only from it."""

from __future__ import annotations

from fastapi.routing import APIRoute

from gateway.api.direct import FastPath
from gateway.api.routes import ROUTES, direct_routes, router
from gateway.app import create_app
from gateway.cli.settings import load_settings


def scope(method: str, path: str, content_type: bytes = b"application/json") -> dict[str, object]:
    return {"method": method, "path": path, "headers": [(b"content-type", content_type)]}


def test_fastapi_registers_each_route_of_the_table_once_for_post() -> None:
    made = [route for route in router().routes if isinstance(route, APIRoute)]
    assert [(r.path, r.methods, r.name) for r in made] == [
        (route.endpoint, {"POST"}, route.name) for route in ROUTES
    ]


def test_the_app_describes_each_route_with_the_table_s_body_model() -> None:
    described = create_app(load_settings()).openapi()["paths"]
    for route in ROUTES:
        assert set(described[route.endpoint]) == {"post"}
        body = described[route.endpoint]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"]["$ref"] == f"#/components/schemas/{route.model.__name__}"


def test_the_fast_path_takes_exactly_the_table_s_posts_sent_as_json() -> None:
    fast = FastPath(direct_routes())
    for route in ROUTES:
        assert fast(scope("POST", route.endpoint)) is not None
        assert fast(scope("GET", route.endpoint)) is None
        assert fast(scope("POST", route.endpoint, b"text/plain")) is None
    assert fast(scope("POST", "/v1/route/explain")) is None
    assert fast(scope("POST", "/v1/chat/completions/")) is None
    assert FastPath({})(scope("POST", "/v1/chat/completions")) is None
