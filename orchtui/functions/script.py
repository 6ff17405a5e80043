"""`python(file, args)`: run a script of the scenario's folder in a child process and return
its stdout.

The child inherits the caller's CPU affinity, so a compute call running on a pinned worker runs
its script pinned to the same CPU, with BLAS/OpenMP limited to one thread. A path that resolves
outside the scenario folder (absolute, `..`, or a symlink out) is refused. An argument longer
than ARG_INLINE_LIMIT characters is passed as the path of a temp file holding it (the bundled
scripts accept either).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from orchtui.functions import context as fctx

ARG_INLINE_LIMIT = 1000
DEFAULT_TIMEOUT = 600.0
_ONE_THREAD = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def inside(base: Path, relative: str) -> Path:
    """`relative` resolved under `base`; ValueError if it leads outside (symlinks resolved)."""
    text = os.fspath(relative)
    if not text or "\x00" in text:
        raise ValueError(f"python: file must be a relative path, got {text!r}")
    if Path(text).is_absolute() or text.startswith("~"):
        raise ValueError(f"python: {text!r} is outside the scenario folder (absolute path)")
    root = base.resolve()
    path = (root / text).resolve()
    if path != root and root not in path.parents:
        raise ValueError(f"python: {text!r} is outside the scenario folder")
    return path


def python(file: str, args: list[object] | str | None = None,
           timeout: float | None = None) -> str:
    base = fctx.current().folder
    script = inside(base, str(file))
    if not script.is_file():
        raise FileNotFoundError(f"python: no script {file!r} in the scenario folder")
    items = [] if args is None else list(args) if isinstance(args, list | tuple) else [args]
    env = {**os.environ, **dict.fromkeys(_ONE_THREAD, "1"), "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory(prefix="orchtui-args-") as tmp:
        argv = []
        for n, arg in enumerate(items):
            text = arg if isinstance(arg, str) else json.dumps(arg, ensure_ascii=False,
                                                               default=str)
            if len(text) > ARG_INLINE_LIMIT:
                path = Path(tmp) / f"arg{n}.txt"
                path.write_text(text, encoding="utf-8")
                text = str(path)
            argv.append(text)
        try:
            proc = subprocess.run([sys.executable, str(script), *argv], cwd=base, env=env,
                                  capture_output=True, text=True, check=False,
                                  timeout=timeout or DEFAULT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"python: {file} ran past {timeout or DEFAULT_TIMEOUT:g} s"
                               ) from None
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-4:])
        raise RuntimeError(f"python: {file} exited with status {proc.returncode}: {tail}")
    return proc.stdout
