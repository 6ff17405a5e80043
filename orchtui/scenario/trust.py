"""Scenario trust, as `direnv allow` does it: a scenario's `impl`s are code.

A real run imports what a scenario names. Code in `orchtui.functions` and in the scenario's own
folder runs freely; anything else (an installed or standard-library module, `os:system`,
`builtins:exec`, `subprocess:*`, a file such as `../elsewhere.py` or `/abs/x.py` outside the
folder) is refused until the user trusts the scenario with `orchtui trust FILE`, which records
the hash of the YAML and of every outside file it names in a per-user store
($XDG_DATA_HOME/orchtui/trusted.json). A changed file needs trust again. `plan` and `--sim`
never import an impl and need no trust; the bundled scenarios are trusted.

Deciding needs no scenario code: modules are located with importlib's finders (which read no
module), files by path. Only `orchtui.functions` itself is imported, to check that the named
function is defined there and not merely re-exported from elsewhere.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from orchtui.errors import OrchError
from orchtui.files import replace_whole
from orchtui.scenario.loader import BUNDLED
from orchtui.scenario.model import Scenario

SAFE_PACKAGE = "orchtui.functions"
# The standard library's process, shell and eval surface: named in a refusal for what it is.
SHELL_MODULES = frozenset({
    "os", "posix", "nt", "subprocess", "builtins", "__builtin__", "pty", "shutil", "ctypes",
    "runpy", "code", "codeop", "importlib", "multiprocessing", "concurrent", "asyncio",
    "pickle", "marshal", "shelve", "socket", "sys", "signal", "platform", "pdb", "webbrowser",
    "commands", "popen2", "_posixsubprocess", "posixpath", "os.path",
})
TRUST_FILE = "trusted.json"


class UntrustedScenario(OrchError):
    """A real run would import code the user has not trusted."""


@dataclass(frozen=True)
class ForeignCode:
    """An impl a real run would import from outside orchtui.functions and the scenario's
    folder."""

    function: str  # the scenario's name for it
    impl: str  # as written in the scenario
    why: str  # where the code is, in words
    file: Path | None = None  # a file outside the folder: its contents are part of the trust


def foreign_code(scenario: Scenario) -> list[ForeignCode]:
    """Every impl of `scenario` that needs trust, in the scenario's order."""
    base = scenario.base_dir.resolve()
    out = []
    for f in scenario.functions:
        if f.impl:
            found = _classify(f.name, f.impl.strip(), base)
            if found is not None:
                out.append(found)
    return out


def _is_path(module_part: str) -> bool:
    # The same rule the workers use to load an impl (executors/workers.py, _is_path_impl).
    return module_part.endswith(".py") or "/" in module_part or os.sep in module_part


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _classify(name: str, impl: str, base: Path) -> ForeignCode | None:
    module, _, func = impl.rpartition(":")
    if _is_path(module):
        path = Path(os.path.realpath(base / module))  # symlinks out of the folder count as out
        if _inside(path, base):
            return None
        return ForeignCode(name, impl, f"the file {path}, outside the scenario's folder", path)
    if module == SAFE_PACKAGE or module.startswith(SAFE_PACKAGE + "."):
        if _defined_in_safe_package(module, func):
            return None
        return ForeignCode(name, impl, f"{func} is not defined in {module}, only imported there")
    top = module.split(".")[0]
    where = _located(top, base)
    if where == "folder":
        return None
    if top in SHELL_MODULES or module in SHELL_MODULES:
        return ForeignCode(name, impl, "the standard library's process, shell and eval surface")
    if where is None:
        return ForeignCode(name, impl, f"the module {module}, not found here")
    return ForeignCode(name, impl, f"the module {module}, {where}")


def _located(top: str, base: Path) -> str | None:
    """Where a top-level module resolves as a worker will import it (sys.path first, the
    scenario's folder last): "folder", a path outside it, "built in", or None (nowhere)."""
    try:
        spec = importlib.util.find_spec(top)  # a top-level name: nothing is executed
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        spec = importlib.machinery.PathFinder.find_spec(top, [str(base)])
        return "folder" if spec is not None else None
    origin = spec.origin or ""
    if origin in ("built-in", "frozen") or not origin:
        return "built into Python"
    if _inside(Path(os.path.realpath(origin)), base):
        return "folder"
    return f"at {origin}"


def _defined_in_safe_package(module: str, func: str) -> bool:
    try:
        obj = getattr(importlib.import_module(module), func)
    except Exception:  # not there: the run will say so; nothing foreign is imported
        return True
    return str(getattr(obj, "__module__", "")).startswith(SAFE_PACKAGE)


# -- the store ---------------------------------------------------------------------------------
def store_path() -> Path:
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                           "share")
    return Path(data) / "orchtui" / TRUST_FILE


def _digest(scenario_file: Path, foreign: list[ForeignCode]) -> str:
    """The scenario file's bytes and every outside file it names, hashed together."""
    h = hashlib.sha256()
    h.update(_read(scenario_file))
    for code in foreign:
        if code.file is not None:
            h.update(b"\0" + str(code.file).encode() + b"\0")
            h.update(_read(code.file) if code.file.is_file() else b"<missing>")
    return h.hexdigest()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise OrchError(f"{path}: cannot read: {err.strerror or err}") from None


def _load_store() -> dict[str, dict[str, str]]:
    path = store_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        raise OrchError(f"{path}: cannot read the trust store: {err}") from None
    return data if isinstance(data, dict) else {}


def is_bundled(scenario_file: Path) -> bool:
    return _inside(Path(os.path.realpath(scenario_file)), Path(os.path.realpath(BUNDLED)))


def require_trust(scenario: Scenario) -> None:
    """Raise UntrustedScenario unless a real run of `scenario` may import what it names.
    Scenarios built in code (no file) are the caller's own and need no trust."""
    if scenario.path is None or is_bundled(scenario.path):
        return
    foreign = foreign_code(scenario)
    if not foreign:
        return
    key = os.path.realpath(scenario.path)
    entry = _load_store().get(key)
    if isinstance(entry, dict) and entry.get("sha256") == _digest(Path(key), foreign):
        return
    listed = "; ".join(f"{c.function}: {c.impl} ({c.why})" for c in foreign)
    again = " (it, or a file it names, changed since it was trusted)" if entry else ""
    raise UntrustedScenario(
        f"{scenario.path}: not trusted{again}: a real run would import code from outside "
        f"orchtui.functions and the scenario's folder: {listed}. Read that code; to run it, "
        f"`orchtui trust {scenario.path}` (plan and --sim import nothing and need no trust)")


def trust(scenario: Scenario) -> list[ForeignCode]:
    """Record `scenario` (its file, and the outside files it names, as they are now) as
    trusted. Returns the code it may import."""
    assert scenario.path is not None
    foreign = foreign_code(scenario)
    key = os.path.realpath(scenario.path)
    store = _load_store()
    store[key] = {"sha256": _digest(Path(key), foreign),
                  "trusted": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    path = store_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # written whole, then renamed over the old one: a crash never leaves half a store
        replace_whole(path, json.dumps(store, indent=1, sort_keys=True))
    except OSError as err:
        raise OrchError(f"{path}: cannot write the trust store: {err.strerror or err}") from None
    return foreign
