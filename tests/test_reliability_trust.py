"""A scenario is code: a real run imports only what the user trusted (issue 14, trust gate).

A scenario naming code outside orchtui.functions and its own folder (`os:system`,
`builtins:exec`, `subprocess:getoutput`, an installed module, `../elsewhere.py:f`, an absolute
path, a symlink out) is refused before anything is imported, with one line listing exactly that
code and how to trust it. `plan` and `--sim` import nothing and need no trust. `orchtui trust
FILE` records the file's hash (and the outside files') in $XDG_DATA_HOME/orchtui; a change to
either needs trust again. Each test has its own XDG_DATA_HOME.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from fault_scenarios.harness import ROOT, orchtui_command

from orchtui.scenario.loader import BUNDLED, load_scenario
from orchtui.scenario.trust import UntrustedScenario, foreign_code, require_trust

# Importing this file writes its canary: a real run that imported it leaves the file behind.
OUTSIDE_CODE = '''
from pathlib import Path
Path(__file__).with_suffix(".imported").write_text("imported")

def f(*args):
    return "outside ran"
'''
LOCAL_CODE = "def ok(*args):\n    return 'local ran'\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/scenario/ (a scenario folder with tools.py), tmp/elsewhere/x.py, tmp/xdg."""
    (tmp_path / "scenario").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "scenario" / "tools.py").write_text(LOCAL_CODE, encoding="utf-8")
    (tmp_path / "elsewhere" / "x.py").write_text(OUTSIDE_CODE, encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path


def scenario(tree: Path, *impls: str, name: str = "s.yaml") -> Path:
    functions = "\n".join(f"  - {{name: f{n}, kind: inout, impl: \"{impl}\", cost: 0.01}}"
                          for n, impl in enumerate(impls))
    plan = "\n".join(f"  s{n}: f{n}(\"touch {tree}/PWNED\")" for n in range(len(impls)))
    path = tree / "scenario" / name
    path.write_text(f"name: t\nprocessors: 1\nfunctions:\n{functions}\nplan: |\n{plan}\n",
                    encoding="utf-8")
    return path


def cli(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(tree / "xdg"), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([*orchtui_command(), *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=60)


def nothing_ran(tree: Path) -> bool:
    return not (tree / "PWNED").exists() and not (tree / "elsewhere" / "x.imported").exists()


REFUSED = {
    "os:system": "os:system (the standard library's process, shell and eval surface)",
    "builtins:exec": "builtins:exec (the standard library's process, shell and eval surface)",
    "subprocess:getoutput": "subprocess:getoutput (the standard library's process, shell",
    "json:dumps": "json:dumps (the module json, at ",
    "../elsewhere/x.py:f": "../elsewhere/x.py:f (the file {tree}/elsewhere/x.py, outside",
    "{tree}/elsewhere/x.py:f": "{tree}/elsewhere/x.py:f (the file {tree}/elsewhere/x.py, "
                               "outside",
    "orchtui.functions:import_module": "orchtui.functions:import_module (import_module is "
                                       "not defined in orchtui.functions",
}


@pytest.mark.parametrize("impl", list(REFUSED))
def test_a_real_run_is_refused_until_trusted(tree: Path, impl: str) -> None:
    impl = impl.format(tree=tree)
    path = scenario(tree, impl, "tools.py:ok")
    done = cli(tree, "scenario", str(path), "--headless")
    assert done.returncode == 2 and done.stdout == "", done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"orchtui: {path}: not trusted: "), line
    assert f"f0: {REFUSED[impl.replace(str(tree), '{tree}')].format(tree=tree)}" in line, line
    assert "f1" not in line  # the folder's own code is not listed
    assert line.endswith(f"`orchtui trust {path}` (plan and --sim import nothing and need no "
                         "trust)")
    assert nothing_ran(tree)


@pytest.mark.parametrize("command", [["sweep", "--real", "--processors", "1"], ["calibrate"]])
def test_sweep_and_calibrate_are_refused_too(tree: Path, command: list[str]) -> None:
    path = scenario(tree, "os:system")
    done = cli(tree, command[0], str(path), *command[1:])
    assert done.returncode == 2 and "not trusted" in done.stderr, done.stderr
    assert nothing_ran(tree)


def test_plan_and_sim_need_no_trust(tree: Path) -> None:
    path = scenario(tree, "os:system", "../elsewhere/x.py:f")
    assert cli(tree, "plan", str(path)).returncode == 0
    done = cli(tree, "scenario", str(path), "--headless", "--sim")
    assert done.returncode == 0, done.stderr
    assert nothing_ran(tree)


def test_the_tui_is_refused_before_it_opens(tree: Path) -> None:
    path = scenario(tree, "os:system")
    done = cli(tree, "scenario", str(path))
    assert done.returncode == 2 and "not trusted" in done.stderr
    assert "\x1b[?1049h" not in done.stdout  # no screen was opened
    assert nothing_ran(tree)


def test_trust_then_run_then_a_change_needs_trust_again(tree: Path) -> None:
    path = scenario(tree, "../elsewhere/x.py:f", "tools.py:ok")
    shown = cli(tree, "trust", "--show", str(path))
    assert shown.returncode == 0 and "../elsewhere/x.py:f" in shown.stdout
    assert nothing_ran(tree)  # showing imports nothing
    trusted = cli(tree, "trust", str(path))
    assert trusted.returncode == 0, trusted.stderr
    assert str(tree / "xdg" / "orchtui" / "trusted.json") in trusted.stdout
    done = cli(tree, "scenario", str(path), "--headless", "--json")
    assert done.returncode == 0, done.stderr
    assert (tree / "elsewhere" / "x.imported").exists()
    # the outside file changes: trust again
    (tree / "elsewhere" / "x.imported").unlink()
    (tree / "elsewhere" / "x.py").write_text(OUTSIDE_CODE + "\n# changed\n", encoding="utf-8")
    again = cli(tree, "scenario", str(path), "--headless")
    assert again.returncode == 2 and "changed since it was trusted" in again.stderr
    assert nothing_ran(tree)
    # trusted again, then the scenario itself changes
    assert cli(tree, "trust", str(path)).returncode == 0
    path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    edited = cli(tree, "scenario", str(path), "--headless")
    assert edited.returncode == 2 and "changed since it was trusted" in edited.stderr


def test_the_folders_own_code_and_orchtui_functions_need_no_trust(tree: Path) -> None:
    path = scenario(tree, "tools.py:ok", "tools:ok")
    done = cli(tree, "scenario", str(path), "--headless", "--json")
    assert done.returncode == 0, done.stderr
    sc = load_scenario(scenario(tree, "orchtui.functions:search", "orchtui.functions:math",
                                name="f.yaml"))
    assert foreign_code(sc) == []


def test_a_symlink_out_of_the_folder_is_outside(tree: Path) -> None:
    (tree / "scenario" / "link.py").symlink_to(tree / "elsewhere" / "x.py")
    with pytest.raises(UntrustedScenario, match=r"f0: link\.py:f \(the file "):
        require_trust(load_scenario(scenario(tree, "link.py:f")))


def test_every_bundled_scenario_is_trusted(tree: Path) -> None:
    for path in sorted(BUNDLED.glob("*.yaml")):
        require_trust(load_scenario(path))  # an empty trust store: bundled ones need none
