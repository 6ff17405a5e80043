"""Messages on a worker's pipe, read and written straight on its file descriptor.

The framing is `multiprocessing.connection.Connection`'s (a 4-byte big-endian length, or -1
and an 8-byte length past 2 GiB), so either end may still use a Connection. What this saves is
Connection's overhead per message, which the engine pays for every call: two reads and a
`BytesIO` per message received, a `struct` header built per message sent. One `os.read` of up to
64 KiB usually brings a whole message; whatever it brings beyond the message (a worker's next
one) is kept for the next `recv`, which is why `buffered` must be asked before waiting on the
descriptor.
"""

from __future__ import annotations

import os
import select
import struct

_HEADER = struct.Struct("!i")
_LONG = struct.Struct("!Q")
_CHUNK = 65536


class FramedPipe:
    """One end of a pipe (a Connection's descriptor, which the Connection keeps owning)."""

    __slots__ = ("_buf", "_poller", "fd")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buf = b""  # bytes read past the last message returned
        self._poller: select.poll | None = None  # poll, not select: fds past 1024 work

    def send(self, data: bytes) -> None:
        n = len(data)
        header = _HEADER.pack(n) if n <= 0x7FFFFFFF else _HEADER.pack(-1) + _LONG.pack(n)
        if n <= _CHUNK:  # one write (one syscall) for a small message
            self._write_all(memoryview(header + data))
        else:  # a big one is not copied to put its header in front
            self._write_all(memoryview(header))
            self._write_all(memoryview(data))

    def _write_all(self, view: memoryview) -> None:
        while view:
            view = view[os.write(self.fd, view):]

    def buffered(self) -> bool:
        """Whether bytes of a next message were already read (the descriptor may be empty)."""
        return bool(self._buf)

    def poll(self) -> bool:
        """Whether `recv` has something to read without waiting for a new message."""
        if self._buf:
            return True
        if self._poller is None:
            self._poller = select.poll()
            self._poller.register(self.fd, select.POLLIN)
        return bool(self._poller.poll(0))

    def recv(self) -> bytes:
        """The next whole message; blocks until it is there. EOFError once the pipe closed."""
        buf = self._buf or self._read(_CHUNK)
        while len(buf) < 4:
            buf += self._read(_CHUNK)
        size = _HEADER.unpack_from(buf)[0]
        start = 4
        if size == -1:
            while len(buf) < 12:
                buf += self._read(_CHUNK)
            size = _LONG.unpack_from(buf, 4)[0]
            start = 12
        end = start + size
        if len(buf) >= end:
            self._buf = buf[end:]
            return buf[start:end]
        # a big message: read the rest in one piece rather than growing bytes by 64 KiB
        parts = [buf[start:]]
        have = len(buf) - start
        while have < size:
            part = self._read(min(size - have, 1 << 24))
            parts.append(part)
            have += len(part)
        self._buf = b""
        return b"".join(parts)

    def _read(self, n: int) -> bytes:
        data = os.read(self.fd, n)
        if not data:
            raise EOFError("the pipe was closed")
        return data
