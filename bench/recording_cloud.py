"""A recording stand-in for the cloud leg: an OpenAI-compatible server that answers
every completion at once and appends each body it receives to a JSON-lines file, so
that a soak can prove which prompts left for the cloud.

    .venv/bin/python -m bench.recording_cloud --port N --record FILE
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

USAGE = {"prompt_tokens": 8, "completion_tokens": 4, "total_tokens": 12}
MODEL = "cloud-smollm2-135m"


def create_app(record: Path) -> FastAPI:
    app = FastAPI()

    def remember(body: dict[str, Any]) -> None:
        # One write per body, appended whole: a reader never sees half a line.
        with record.open("a", encoding="utf-8") as out:
            out.write(json.dumps(body) + "\n")

    def chunks(kind: str) -> Iterator[bytes]:
        for word in ("cloud ", "says ", "hi"):
            choice = {"index": 0, "finish_reason": None}
            choice |= {"delta": {"content": word}} if kind == "chat" else {"text": word}
            yield b"data: " + json.dumps({"model": MODEL, "choices": [choice]}).encode() + b"\n\n"
        last = {"model": MODEL, "choices": [], "usage": USAGE}
        yield b"data: " + json.dumps(last).encode() + b"\n\ndata: [DONE]\n\n"

    async def answer(request: Request, kind: str) -> Any:
        body = await request.json()
        remember(body)
        if body.get("stream"):
            return StreamingResponse(chunks(kind), media_type="text/event-stream")
        message = {"role": "assistant", "content": "cloud says hi"}
        choice: dict[str, Any] = {"index": 0, "finish_reason": "stop"}
        choice |= {"message": message} if kind == "chat" else {"text": "cloud says hi"}
        return JSONResponse({"model": MODEL, "choices": [choice], "usage": USAGE})

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        return await answer(request, "chat")

    @app.post("/v1/completions")
    async def completions(request: Request) -> Any:
        return await answer(request, "text")

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", type=Path, required=True)
    args = parser.parse_args()
    import uvicorn

    uvicorn.run(create_app(args.record), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
