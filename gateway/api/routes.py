"""The completion routes, each declared once: its path, body model, the route's own
check and its handler. FastAPI's routes (`router`) and the front layer's fast path
(`gateway.api.direct.FastPath`, over `direct_routes`) are both made from this table, and
both answer through `answer`, so the two cannot drift apart.

- POST /v1/chat/completions and /v1/completions: parsed and handed to the pipeline.
- POST /v1/responses: what needs stored state is refused first
  (`gateway.responses.schema.check_supported`), the gateway being stateless.
- POST /v1/embeddings: classified, decided and recorded like a completion; sensitive
  input is embedded on the edge only. Token ids are refused (`require_text`); the
  schema allows no `stream: true`, so the reply is always whole.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from gateway.api.deps import CallerDep
from gateway.api.reply import run
from gateway.api.text_check import READABLE
from gateway.auth.authenticator import Caller
from gateway.context import EMBEDDINGS, Endpoint
from gateway.errors import InvalidRequest
from gateway.pipeline import Body
from gateway.responses.schema import ResponsesRequest, check_supported
from gateway.schemas import ChatCompletionRequest, CompletionRequest, EmbeddingRequest

Answer = JSONResponse | StreamingResponse
Handler = Callable[[Request, Caller, Endpoint, Body], Awaitable[Answer]]


@dataclass(frozen=True)
class CompletionRoute:
    """One completion route: what it does once the body is parsed and the caller
    authenticated."""

    endpoint: Endpoint
    model: type[Body]  # the body's
    # FastAPI's name for it, which the OpenAPI operation id and summary are made from.
    name: str
    # The route's own check after authentication, if any.
    check: Callable[[Any], None] | None = None
    handler: Handler = run


def require_text(body: EmbeddingRequest) -> None:
    """Token ids cannot be classified, so they could not be routed safely."""
    items = [body.input] if isinstance(body.input, str) else body.input
    if not items:
        raise InvalidRequest("'input' must not be empty", param="input")
    if not all(isinstance(item, str) for item in items):
        raise InvalidRequest("token arrays are not supported as 'input'; send text", param="input")


CHAT = CompletionRoute("/v1/chat/completions", ChatCompletionRequest, "chat_completions")
COMPLETIONS = CompletionRoute("/v1/completions", CompletionRequest, "completions")
RESPONSES = CompletionRoute("/v1/responses", ResponsesRequest, "responses", check_supported)
EMBEDDING = CompletionRoute(EMBEDDINGS, EmbeddingRequest, "embeddings", require_text)
# In the order the OpenAPI description lists them.
ROUTES = (CHAT, COMPLETIONS, RESPONSES, EMBEDDING)


async def answer(route: CompletionRoute, request: Request, caller: Caller, body: Body) -> Answer:
    """What a completion route answers for a parsed body and an authenticated caller."""
    if route.check is not None:
        route.check(body)
    return await route.handler(request, caller, route.endpoint, body)


def direct_routes() -> dict[str, CompletionRoute]:
    """The POST routes the fast path serves, by path."""
    return {route.endpoint: route for route in ROUTES}


def router(routes: Iterable[CompletionRoute] = ROUTES) -> APIRouter:
    """FastAPI's routes for the table: the OpenAPI description, the 405 to any other
    method on these paths, and every request the fast path leaves to FastAPI."""
    made = APIRouter()
    for route in routes:
        made.add_api_route(
            route.endpoint,
            _endpoint(route),
            methods=["POST"],
            response_model=None,
            name=route.name,
        )
    return made


def _endpoint(route: CompletionRoute) -> Callable[..., Awaitable[Answer]]:
    async def endpoint(body: Body, request: Request, caller: Caller) -> Answer:
        return await answer(route, request, caller, body)

    # FastAPI reads what to parse and solve from the signature: the route's own body
    # model (refusing lone surrogates by name, `gateway.api.text_check`) and the caller.
    parameter = inspect.Parameter.POSITIONAL_OR_KEYWORD
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("body", parameter, annotation=Annotated[route.model, READABLE]),
            inspect.Parameter("request", parameter, annotation=Request),
            inspect.Parameter("caller", parameter, annotation=CallerDep),
        ],
        return_annotation=Answer,
    )
    return endpoint
