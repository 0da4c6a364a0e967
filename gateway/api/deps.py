"""Typed dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request

from gateway.auth.authenticator import Authenticator, Caller
from gateway.pipeline import Pipeline
from gateway.request_state import request_state


# The dependencies are coroutines: FastAPI runs a plain function in its thread pool,
# a hop per request for an attribute read.
async def get_pipeline(request: Request) -> Pipeline:
    pipeline: Pipeline = request.app.state.pipeline
    return pipeline


PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]


def _authenticator(request: Request) -> Authenticator:
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


def _query(request: Request) -> Mapping[str, str]:
    # The authenticator reads the query string only to refuse a token sent there; most
    # requests have none, and there is nothing to parse then (per-request work on the
    # hot path).
    if not request.scope.get("query_string"):
        return {}
    return request.query_params


async def authenticate(request: Request) -> Caller:
    pipeline: Pipeline = request.app.state.pipeline
    state = request_state(request.scope)
    with pipeline.tracing.span("authenticate", state.decision_id):
        caller = await _authenticator(request).authenticate(request.headers, _query(request))
    # The record stage (gateway.middleware.front) made the record before any route runs.
    state.recorded().principal = caller.principal
    return caller


async def authenticate_admin(request: Request) -> Caller:
    caller = await authenticate(request)
    _authenticator(request).require_admin(caller.principal)
    return caller


async def authenticate_explainer(request: Request) -> Caller:
    caller = await authenticate(request)
    _authenticator(request).require_explain(caller.principal)
    return caller


CallerDep = Annotated[Caller, Depends(authenticate)]
# POST /v1/route/explain: the admin role or one of auth.entra.explain_roles.
ExplainerDep = Annotated[Caller, Depends(authenticate_explainer)]
# For the admin endpoints (metrics, policy admin, explain) as they arrive.
AdminDep = Annotated[Caller, Depends(authenticate_admin)]
