"""A deadline for a whole model reply, however the server sends it.

The HTTP client's timeouts bound each network operation: a server that sends one token every
2 s, or a non-streamed body a byte at a time, never trips a 60 s read timeout and can hold a run
for as long as it likes. Here every connect, read and write of a request is given at most the
time left before the request's deadline, and fails at once after it: the reply is cut at the
deadline, whether it streams or not, whichever connection of the pool carries it.

The deadline is set per thread, around the code that drives the request (`within`), so a
connection the pool reuses for another request obeys that request's deadline.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
import time
from collections.abc import Iterator
from typing import Any

from orchtui.llm.backend import LLMError

_local = threading.local()


@contextlib.contextmanager
def within(deadline: float) -> Iterator[None]:
    """Network operations of this thread, inside the block, end by `deadline` (a
    time.monotonic() value)."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = deadline
    try:
        yield
    finally:
        _local.deadline = previous


def passed(deadline: float) -> bool:
    """True once `deadline` (a time.monotonic() value) has come."""
    return time.monotonic() >= deadline


def _bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    """`timeout`, shortened to the time left before this thread's deadline."""
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the reply's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _Errors:
    """The timeout exceptions of the httpcore the pool belongs to (httpcore2 under openai 3,
    httpcore under older clients): raised as its own, the HTTP client maps them as timeouts."""

    def __init__(self, package: Any) -> None:
        self.read = package.ReadTimeout
        self.write = package.WriteTimeout
        self.connect = package.ConnectTimeout


class _Stream:
    """A network stream whose every operation ends by the deadline (duck-typed like the
    httpcore stream it wraps)."""

    def __init__(self, inner: Any, errors: _Errors) -> None:
        self._inner = inner
        self._errors = errors

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, self._errors.read))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, self._errors.write))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> _Stream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname,
                                             _bounded(timeout, self._errors.connect)),
                       self._errors)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend:
    """A network backend whose connections are `_Stream`s."""

    def __init__(self, inner: Any, errors: _Errors) -> None:
        self._inner = inner
        self._errors = errors

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> _Stream:
        return _Stream(self._inner.connect_tcp(
            host, port, _bounded(timeout, self._errors.connect), local_address,
            socket_options), self._errors)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> _Stream:
        return _Stream(self._inner.connect_unix_socket(
            path, _bounded(timeout, self._errors.connect), socket_options), self._errors)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def http_client(**kwargs: Any) -> Any:
    """An HTTP client for the `openai` client whose requests obey `within` deadlines."""
    import openai

    client = openai.DefaultHttpxClient(**kwargs)
    # httpx has no public hook for its network backend: each transport's connection pool (the
    # direct one, and any proxy's from the environment) gets ours wrapped around its own.
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        if transport is None:  # a NO_PROXY pattern: requests go through the direct transport
            continue
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is None:
            raise LLMError("this HTTP client has no connection pool to bound: the model "
                           "reply's deadline (--llm-timeout) cannot be enforced")
        if not isinstance(backend, _Backend):
            package = importlib.import_module(type(pool).__module__.split(".")[0])
            pool._network_backend = _Backend(backend, _Errors(package))  # type: ignore[union-attr]
    return client


def is_timeout(err: BaseException) -> bool:
    """A timeout of the HTTP stack (httpx or httpx2), raised bare while a stream is read."""
    return any(c.__name__ == "TimeoutException" and c.__module__.startswith("httpx")
               for c in type(err).__mro__)
