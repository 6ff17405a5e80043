"""``python(file, args)``: run a script of the scenario folder in a child Python process.

compute: the child does the CPU work. It inherits the caller's CPU affinity (a worker pinned to
one CPU pins its children too) and runs with OMP/MKL/OpenBLAS limited to one thread.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[1])
if __package__ != "lib" and _ROOT not in sys.path:  # loaded by file path: make `lib` importable
    sys.path.append(_ROOT)
from lib.common import SCENARIO_DIR, inside  # noqa: E402

#: Arguments longer than this go to the script as the path of a temp file holding them.
ARG_INLINE_LIMIT = 1000
_ONE_THREAD = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def python(file: str, args: list[object] | str | None = None, timeout: float = 600.0) -> str:
    """Run ``file`` (a script inside the scenario folder) with ``args``; return its stdout.

    ``file`` must be a relative path that resolves (symlinks included) inside the scenario
    folder, else ``ValueError``. ``args`` is a list (or one string); non-strings are passed as
    JSON. An argument longer than 1000 characters is written to a temp file whose path is passed
    instead, so the bundled scripts accept, for each argument, either the text or a file path.
    The child runs with ``cwd`` = the scenario folder. A non-zero exit raises ``RuntimeError``
    with the end of the script's stderr.
    """
    script = inside(SCENARIO_DIR, file, what="script")
    if not script.is_file():
        raise ValueError(f"script {file!r} not found in {SCENARIO_DIR}")
    if args is None:
        args = []
    elif not isinstance(args, (list, tuple)):
        args = [args]
    env = dict(os.environ)
    env.update(dict.fromkeys(_ONE_THREAD, "1"))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    with tempfile.TemporaryDirectory(prefix="orchtui-args-") as tmp:
        argv: list[str] = []
        for i, arg in enumerate(args):
            text = _as_text(arg)
            if len(text) > ARG_INLINE_LIMIT:
                path = Path(tmp) / f"arg{i}.txt"
                path.write_text(text, encoding="utf-8")
                text = str(path)
            argv.append(text)
        proc = subprocess.run(
            [sys.executable, str(script), *argv],
            cwd=SCENARIO_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ["(no stderr)"]
        tail = "\n".join(lines[-6:])
        raise RuntimeError(f"{file} exited with status {proc.returncode}: {lines[-1]}\n{tail}")
    return proc.stdout
