"""The completion routes' hot path without FastAPI's routing and dependency solving.

POST /v1/chat/completions, /v1/completions, /v1/responses and /v1/embeddings are the
gateway's traffic. The front layer (`gateway.middleware.front`) has their body in hand
already, so for exactly those method and path pairs it calls `dispatch` here: the body
is validated by the route's pydantic model straight from the bytes (pydantic-core's
JSON parser, no `json.loads` and no dict pass), the caller authenticated by the same
`authenticate` dependency the routers use (same span, same record), and the same
`reply.run` called. The FastAPI routes stay registered: the OpenAPI description, any
other method on these paths (405), and every request this path does not take.

Only a request the fast path would answer exactly as FastAPI does takes it. Anything
else goes to the FastAPI app with the body replayed, so its answer is FastAPI's own:
- a body that fails validation (malformed JSON, a schema error): FastAPI's JSON decode
  and validation errors, and its order of checks (malformed JSON before the token,
  the token before a schema error), stay the one source of those 400s; so is a lone
  UTF-16 surrogate, which pydantic-core's parser refuses and which FastAPI's routes
  refuse by name (`gateway.api.text_check`): a body the fast path takes holds none;
- no Content-Type, or one other than application/json (FastAPI validates the raw
  bytes then, and refuses them);
- a non-empty `root_path`, where Starlette matches routes on the path below it.
A valid body costs one validation (here), an invalid one two (here, then FastAPI's):
the error path pays, not the traffic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from common.errors import OpenAIError, error_response
from gateway.api.deps import authenticate
from gateway.api.reply import run
from gateway.auth.authenticator import Caller
from gateway.context import EMBEDDINGS, Endpoint
from gateway.errors import InvalidRequest
from gateway.limits.refusal import RateLimited
from gateway.middleware.body_limit import replay
from gateway.pipeline import Body, Pipeline
from gateway.responses.schema import ResponsesRequest, check_supported
from gateway.schemas import ChatCompletionRequest, CompletionRequest, EmbeddingRequest

# FastAPI parses a body as JSON when its Content-Type is application/json or
# application/*+json (and, by its strict default, not when there is none); only the
# plain JSON type (any parameters) is taken here.
JSON_TYPE = b"application/json"


@dataclass(frozen=True)
class DirectRoute:
    """One completion route: what it does once the body is parsed and the caller
    authenticated. The FastAPI routers and the fast path both answer through
    `answer`, so the two cannot drift apart."""

    endpoint: Endpoint
    model: type[BaseModel]
    # The route's own check after authentication (embeddings, responses), if any.
    check: Callable[[Any], None] | None = None


def require_text(body: EmbeddingRequest) -> None:
    """Token ids cannot be classified, so they could not be routed safely."""
    items = [body.input] if isinstance(body.input, str) else body.input
    if not items:
        raise InvalidRequest("'input' must not be empty", param="input")
    if not all(isinstance(item, str) for item in items):
        raise InvalidRequest("token arrays are not supported as 'input'; send text", param="input")


CHAT = DirectRoute("/v1/chat/completions", ChatCompletionRequest)
COMPLETIONS = DirectRoute("/v1/completions", CompletionRequest)
RESPONSES = DirectRoute("/v1/responses", ResponsesRequest, check_supported)
EMBEDDING = DirectRoute(EMBEDDINGS, EmbeddingRequest, require_text)


def direct_routes() -> dict[str, DirectRoute]:
    """The POST routes the fast path serves, by path."""
    return {route.endpoint: route for route in (CHAT, COMPLETIONS, RESPONSES, EMBEDDING)}


async def answer(
    route: DirectRoute, request: Request, caller: Caller, body: Body
) -> JSONResponse | StreamingResponse:
    """What a completion route answers for a parsed body and an authenticated caller."""
    if route.check is not None:
        route.check(body)
    return await run(request, caller, route.endpoint, body)


def takes(scope: Scope) -> bool:
    """Whether a request on a direct route's POST may skip FastAPI: no root path to
    strip, and a body FastAPI would read as JSON (see the module's docstring)."""
    if scope.get("root_path"):
        return False
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type = value.partition(b";")[0].strip().lower()
            return bool(media_type == JSON_TYPE)
    return False


async def dispatch(
    route: DirectRoute, scope: Scope, receive: Receive, send: Send, body: bytes, app: ASGIApp
) -> None:
    """Answers one POST on `route` whose whole `body` the front layer has read from
    `receive`; `app` (FastAPI's) answers what the fast path does not."""
    request = Request(scope, receive)
    pipeline: Pipeline = request.app.state.pipeline
    credential = _credential(scope)
    held = pipeline.hold_off.check(credential)
    if held is not None:
        # Told to wait and back sooner: the same refusal, before its body costs a parse.
        request.state.record.principal = held.principal
        pipeline.limiter.refusals[held.refusal.reason] += 1
        await error_response(held.refusal)(scope, receive, send)
        return
    try:
        parsed: Body = route.model.model_validate_json(body)  # type: ignore[assignment]
    except ValidationError:
        await app(scope, replay(body, receive), send)
        return
    caller: Caller | None = None
    try:
        caller = await authenticate(request)
        response = await answer(route, request, caller, parsed)
    except OpenAIError as exc:
        # What the app's OpenAIError handler answers; anything else propagates to the
        # front layer's 500, as it does from a FastAPI endpoint.
        if isinstance(exc, RateLimited) and caller is not None:
            pipeline.hold_off.note(credential, caller.principal, exc)
        response = error_response(exc)
    await response(scope, receive, send)


def _credential(scope: Scope) -> str:
    """The Authorization header as sent ('' without one)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return str(value.decode("latin-1"))
    return ""
