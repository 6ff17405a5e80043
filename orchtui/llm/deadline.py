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
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore2
import httpx2

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


class _Stream(httpcore2.NetworkStream):
    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore2.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore2.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname,
                                             _bounded(timeout, httpcore2.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore2.NetworkBackend):
    def __init__(self, inner: httpcore2.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore2.NetworkStream:
        return _Stream(self._inner.connect_tcp(
            host, port, _bounded(timeout, httpcore2.ConnectTimeout), local_address,
            socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore2.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(
            path, _bounded(timeout, httpcore2.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def http_client(**kwargs: Any) -> httpx2.Client:
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
            raise LLMError("this httpx2 has no connection pool to bound: the model reply's "
                           "deadline (--llm-timeout) cannot be enforced")
        if not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    return client
