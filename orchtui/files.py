"""Opening the files a user names, without ever blocking on them.

Opening a FIFO blocks until someone opens its other end, and a device such as /dev/zero or
/dev/urandom never ends: an input (scenario, plan, trace to replay) must be a regular file, and
is opened without blocking so that this is checked before anything waits. An output (`--trace`,
`--chrome-trace`) may be a device (/dev/null, /dev/stdout) or a pipe someone reads, but a FIFO
with no reader is refused instead of waited on. A file we rewrite (a scenario's costs, the trust
store) is replaced whole or not at all.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
from typing import IO

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_input(path: str | os.PathLike[str]) -> IO[bytes]:
    """`path` opened for reading in binary. Raises OSError, whose strerror says why in words
    ("a FIFO (named pipe), not a regular file") when it is not a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, f"{_kind(mode)}, not a regular file")
        _blocking(fd)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_output(path: str | os.PathLike[str]) -> IO[str]:
    """`path` opened for writing text (created or truncated). A FIFO nobody reads is refused
    with OSError instead of blocking; a directory or a missing folder fail as usual."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK | os.O_CLOEXEC,
                     0o666)
    except OSError as err:
        if err.errno == errno.ENXIO:  # what a non-blocking open of a reader-less FIFO says
            raise OSError(errno.ENXIO, "a FIFO (named pipe) that nobody is reading") from None
        raise
    try:
        _blocking(fd)
        # A lone surrogate (in a function's result or error) becomes the escape \udXXX, which
        # reads back as the same string; strict encoding would end the run instead.
        return os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace")
    except BaseException:
        os.close(fd)
        raise


def _blocking(fd: int) -> None:
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)


def replace_whole(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` through a temporary file in its folder, renamed over it once
    whole: a full disk or a crash leaves the old file as it was, never half of it (and no
    temporary file). The file keeps its mode; through a symlink, its target is replaced.
    Raises OSError."""
    target = os.path.realpath(path)
    fd, tmp = tempfile.mkstemp(prefix=".orchtui-", dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        with contextlib.suppress(FileNotFoundError):  # a new file keeps mkstemp's 0600
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
