"""The commands that run servers: `up`, `status`, `serve`, `edge serve|down|up` and
`cloud up|down`."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.cli import control
from gateway.cli.command import given
from gateway.cli.settings import Settings, with_overrides

if TYPE_CHECKING:
    from common.drain import Drain

# Pinned rather than "auto": Ray brings uvloop and httptools, which uvicorn would then
# pick. The edge server was built and tested on asyncio and h11 (its time goes to the
# model, not to HTTP). The gateway's own time is mostly HTTP and the event loop:
# uvloop and httptools cut its added latency (docs/benchmarks-history.md). httptools
# sets no header size limit of its own, so an oversized Authorization header still gets
# the gateway's 401, not a bare 400.
SERVER_IMPLEMENTATION: dict[str, Any] = {"loop": "asyncio", "http": "h11"}
GATEWAY_SERVER_IMPLEMENTATION: dict[str, Any] = {"loop": "uvloop", "http": "httptools"}
GIL_SWITCH_S = 0.001


def _run_server(server: Any) -> int:
    """Runs a server until SIGINT or SIGTERM and its drain (`gateway.cli.runner`); 0
    when it stopped that way. A Ctrl-C before the server has taken the signals over
    is a KeyboardInterrupt, which is how this command is meant to stop, not an error
    with a traceback."""
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0


def _run_app(
    make_app: Callable[[Drain], Any],
    host: str,
    port: int,
    log_level: str,
    drain_timeout_s: float,
    **options: Any,
) -> int:
    """Serves the app `make_app` builds around this process's `Drain`, with the runner
    that drains on SIGTERM."""
    import uvicorn

    from common.drain import Drain
    from gateway import access_log
    from gateway.cli.runner import GRACEFUL_SHUTDOWN_S, DrainingServer

    drain = Drain()
    config = uvicorn.Config(
        make_app(drain),
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        **{**SERVER_IMPLEMENTATION, **options},
    )
    # Config() sets up uvicorn's loggers; the access log is installed over them.
    server = DrainingServer(config, drain, drain_timeout_s)
    access_log.install()
    return _run_server(server)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.app import create_app
    from gateway.policy.loader import load_policy

    settings = with_overrides(settings, "server", given(args, "host", "port"))
    load_policy(settings.policy.file)  # refuse to start on a bad policy, with file:line
    server = settings.server
    # Classification threads run Python for up to their budget; the event loop must
    # not wait a whole default switch interval (5 ms) for the GIL at each turn, or
    # every other caller's request pays for one caller's long prompt.
    sys.setswitchinterval(GIL_SWITCH_S)
    return _run_app(
        lambda drain: create_app(settings, drain=drain),
        server.host,
        server.port,
        args.log_level,
        server.drain_timeout_s,
        **GATEWAY_SERVER_IMPLEMENTATION,
    )


def _edge_serve(args: argparse.Namespace, settings: Settings) -> int:
    from edge.server import create_edge_app

    overrides = given(args, "host", "port", "model_path", "model_id")
    edge = with_overrides(settings, "edge", overrides).edge
    return _run_app(
        lambda drain: create_edge_app(edge, drain=drain),
        edge.host,
        edge.port,
        args.log_level,
        edge.drain_timeout_s,
    )


def _cloud_up(args: argparse.Namespace, settings: Settings) -> int:
    from cloud import local

    if not args.foreground:
        # Under a running `up` that started a cloud, that cloud is the one to start.
        result = control.act_on_up(settings, "cloud", "start")
        if result is not None:
            return result
    cloud = with_overrides(settings, "cloud", given(args, "host", "port")).cloud
    try:
        if args.foreground:
            return local.run(cloud)
        running, seconds = local.start(cloud, settings.server.state_dir, args.config)
    except local.CloudError as exc:
        print(f"hybridgate cloud: {exc}", file=sys.stderr)
        return 1
    print(f"hybridgate cloud: {cloud.model_id} ready at {running.url}/v1 after {seconds:.1f}s")
    print("hybridgate cloud down stops it.")
    return 0


def _cloud_down(args: argparse.Namespace, settings: Settings) -> int:
    from cloud import local

    result = control.act_on_up(settings, "cloud", "stop")
    if result is not None:
        return result
    try:
        stopped = local.stop(settings.server.state_dir)
    except local.CloudError as exc:
        print(f"hybridgate cloud: {exc}", file=sys.stderr)
        return 1
    print("hybridgate cloud: stopped" if stopped else "hybridgate cloud: was not running")
    return 0


def _up(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.cli.stack import run_stack

    return run_stack(settings, args.config)


def add_commands(commands: Any) -> None:
    up = commands.add_parser("up", help="start the local stack (edge server + gateway)")
    up.set_defaults(func=_up)
    control.add_status_command(commands)

    serve = commands.add_parser("serve", help="start the gateway only")
    _bind_options(serve)
    serve.set_defaults(func=_serve)

    edge = commands.add_parser("edge", help="the edge inference server")
    edge_commands = edge.add_subparsers(dest="edge_command", required=True)
    edge_serve = edge_commands.add_parser("serve", help="start the edge server")
    _bind_options(edge_serve)
    edge_serve.add_argument("--model", dest="model_path", type=Path, help="any GGUF file")
    edge_serve.add_argument("--model-id", help="the model name clients send")
    edge_serve.set_defaults(func=_edge_serve)
    edge_down = edge_commands.add_parser(
        "down", help="stop the edge server of a running `hybridgate up` (it stays down)"
    )
    edge_down.set_defaults(func=control.edge_down)
    edge_up = edge_commands.add_parser(
        "up", help="start again the edge server `edge down` stopped under `hybridgate up`"
    )
    edge_up.set_defaults(func=control.edge_up)

    cloud = commands.add_parser("cloud", help="the local Ray Serve cloud")
    cloud_commands = cloud.add_subparsers(dest="cloud_command", required=True)
    cloud_up = cloud_commands.add_parser(
        "up",
        help="start a local Ray head and deploy the cloud app (under a running "
        "`hybridgate up`: start its cloud again)",
    )
    _bind_options(cloud_up)
    cloud_up.add_argument(
        "--foreground", action="store_true", help="run in the foreground until Ctrl-C"
    )
    cloud_up.set_defaults(func=_cloud_up)
    cloud_down = cloud_commands.add_parser(
        "down", help="stop the local cloud `cloud up` (or a running `hybridgate up`) started"
    )
    cloud_down.set_defaults(func=_cloud_down)


def _bind_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on")
    parser.add_argument("--port", type=int, help="port to listen on")
