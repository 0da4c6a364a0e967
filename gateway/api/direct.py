"""The completion routes' hot path without FastAPI's routing and dependency solving.

POST /v1/chat/completions, /v1/completions, /v1/responses and /v1/embeddings are the
gateway's traffic. The front layer (`gateway.middleware.front`) has their body in hand
already, so for exactly those method and path pairs the `FastPath` the app gives it
hands it `dispatch` here: the body is validated by the route's pydantic model straight
from the bytes (pydantic-core's JSON parser, no `json.loads` and no dict pass), the
caller authenticated by the same `authenticate` dependency the routes use (same span,
same record), and the route's `answer` given, as FastAPI's routes give it (both are made
from one table, `gateway.api.routes`). The FastAPI routes stay registered: the OpenAPI
description, any other method on these paths (405), and every request this path does
not take.

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

from collections.abc import Mapping
from functools import partial

from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from common.errors import OpenAIError, error_response
from gateway.api.deps import authenticate
from gateway.api.routes import CompletionRoute, answer
from gateway.auth.authenticator import Caller
from gateway.limits.refusal import RateLimited
from gateway.middleware.body_limit import replay
from gateway.middleware.front import BodyApp
from gateway.pipeline import Body, Pipeline
from gateway.request_state import request_state

# FastAPI parses a body as JSON when its Content-Type is application/json or
# application/*+json (and, by its strict default, not when there is none); only the
# plain JSON type (any parameters) is taken here.
JSON_TYPE = b"application/json"


class FastPath:
    """The front layer's `Direct`: for a POST on one of `routes` that `takes`, that
    route's `dispatch`; None for anything else, which FastAPI answers."""

    def __init__(self, routes: Mapping[str, CompletionRoute]) -> None:
        self._answers: dict[str, BodyApp] = {
            path: partial(dispatch, route) for path, route in routes.items()
        }

    def __call__(self, scope: Scope) -> BodyApp | None:
        if scope["method"] != "POST":
            return None
        answer = self._answers.get(scope["path"])
        return answer if answer is not None and takes(scope) else None


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
    route: CompletionRoute, scope: Scope, receive: Receive, send: Send, body: bytes, app: ASGIApp
) -> None:
    """Answers one POST on `route` whose whole `body` the front layer has read from
    `receive`; `app` (FastAPI's) answers what the fast path does not."""
    request = Request(scope, receive)
    pipeline: Pipeline = request.app.state.pipeline
    credential = _credential(scope)
    held = pipeline.hold_off.check(credential)
    if held is not None:
        # Told to wait and back sooner: the same refusal, before its body costs a parse.
        request_state(scope).recorded().principal = held.principal
        pipeline.limiter.refusals[held.refusal.reason] += 1
        await error_response(held.refusal)(scope, receive, send)
        return
    try:
        parsed: Body = route.model.model_validate_json(body)
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
