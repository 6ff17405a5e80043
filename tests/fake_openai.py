"""A fake OpenAI-compatible chat completions server on 127.0.0.1, for driving the real `openai`
client in tests (and in the streaming measurement) without any network.

    with FakeOpenAI(["s1: search('x')"]) as server:
        client = OpenAI(base_url=server.base_url, api_key="sk-fake")

Replies are scripted, served in order (the last one repeats), or computed by a `responder`
callable from the `Request` (body and headers). A reply is a `Reply`: text, tool calls, an HTTP
error, a malformed body, a delay (for timeouts), or a body trickled a byte at a time. Streaming
requests (`"stream": true`) get server-sent events, `data: {chunk}` lines then
`data: [DONE]`, one chunk per token at a fixed rate.

Run it alone to serve a scenario's recorded replies to `orchtui ... --llm --base-url`:
    python tests/fake_openai.py --port 8765 --token-interval 0.02 REPLY_FILE...
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_TOKEN = re.compile(r"\s*\S+|\s+")


@dataclass(frozen=True)
class Reply:
    text: str = ""
    tool_calls: tuple[tuple[str, Mapping[str, Any]], ...] = ()  # (function name, arguments)
    status: int = 200  # another status: an error reply with an OpenAI-style error body
    malformed: bool = False  # 200 with a body that is not JSON
    delay: float = 0.0  # seconds before answering (a slow server)
    token_interval: float | None = None  # streaming: seconds between tokens (else the server's)
    trickle: float = 0.0  # not streaming: send the body one byte at a time, this many s apart


Responder = Callable[["Request"], "Reply | str"]


@dataclass
class Request:
    body: dict[str, Any]
    headers: dict[str, str]
    path: str

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def last_user(self) -> str:
        users = [m for m in self.messages if m.get("role") == "user"]
        return str(users[-1].get("content", "")) if users else ""


@dataclass
class FakeOpenAI:
    replies: Iterable[Reply | str] = ()
    responder: Responder | None = None
    token_interval: float = 0.0
    model: str = "fake-model"
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._script = [r if isinstance(r, Reply) else Reply(r) for r in self.replies]
        self._next = 0
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._port = 0
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        server = _Server(("127.0.0.1", 0), _handler(self))
        self._server = server
        self._port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name="fake-openai")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on (kept after stop(), to test an endpoint that went away)."""
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- replies ------------------------------------------------------------------------------
    def push(self, *replies: Reply | str) -> None:
        with self._lock:
            self._script.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def reply_for(self, request: Request) -> Reply:
        if self.responder is not None:
            r = self.responder(request)
            return r if isinstance(r, Reply) else Reply(r)
        with self._lock:
            if not self._script:
                return Reply("")
            r = self._script[min(self._next, len(self._script) - 1)]
            self._next += 1
            return r


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up: expected here, not worth a traceback


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # /v1/models, for clients that list models first
            self._json(200, {"object": "list", "data": [{"id": fake.model, "object": "model"}]})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._json(400, {"error": {"message": "bad JSON", "type": "invalid_request"}})
                return
            request = Request(body, {k.lower(): v for k, v in self.headers.items()}, self.path)
            fake.requests.append(request)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            reply = fake.reply_for(request)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.status != 200:
                self._json(reply.status, {"error": {"message": reply.text or "server error",
                                                    "type": "server_error", "code": None}})
                return
            if reply.malformed:
                data = b"{ this is not json"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            model = body.get("model", fake.model)
            interval = (reply.token_interval if reply.token_interval is not None
                        else fake.token_interval)
            if body.get("stream"):
                self._stream(reply, model, interval)
            else:
                # the same generation time as streamed: the reply comes when its last token does
                time.sleep(interval * len(_TOKEN.findall(reply.text)))
                self._json(200, _completion(reply, model), trickle=reply.trickle)

        def _json(self, status: int, obj: Any, trickle: float = 0.0) -> None:
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if not trickle:
                self.wfile.write(data)
                return
            try:  # a server that never stalls long enough for a read timeout
                for n in range(len(data)):
                    self.wfile.write(data[n:n + 1])
                    self.wfile.flush()
                    time.sleep(trickle)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up

        def _stream(self, reply: Reply, model: str, interval: float) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True

            def send(obj: Any) -> None:
                payload = obj if isinstance(obj, str) else json.dumps(obj)
                self.wfile.write(f"data: {payload}\n\n".encode())
                self.wfile.flush()

            try:
                send(_chunk(model, {"role": "assistant", "content": ""}, None))
                for token in _TOKEN.findall(reply.text):
                    if interval:
                        time.sleep(interval)
                    send(_chunk(model, {"content": token}, None))
                send(_chunk(model, {}, "stop"))
                send("[DONE]")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading

    return Handler


def _completion(reply: Reply, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": f"call_{n}", "type": "function",
             "function": {"name": name, "arguments": json.dumps(dict(args))}}
            for n, (name, args) in enumerate(reply.tool_calls, 1)
        ]
    elif message["content"] is None:
        message["content"] = ""
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": message,
                     "finish_reason": "tool_calls" if reply.tool_calls else "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def main() -> None:
    """Serve fixed replies (each file's text is one reply, in order) until interrupted."""
    import argparse
    from pathlib import Path

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("files", nargs="*", help="files whose text is served as replies, in order")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--token-interval", type=float, default=0.0)
    args = p.parse_args()
    fake = FakeOpenAI([Path(f).read_text(encoding="utf-8") for f in args.files],
                      token_interval=args.token_interval)
    server = _Server(("127.0.0.1", args.port), _handler(fake))
    print(f"serving on http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
