"""More processors asked for than CPUs allowed: the error names where the number came from
(the scenario's `processors:` or --processors) and counts the CPUs in good English."""

from __future__ import annotations

import pytest

from orchtui.cli.main import main
from orchtui.engine import session


@pytest.fixture
def one_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    # as under `taskset -c 0`
    monkeypatch.setattr(session, "allowed_cpus", lambda: (0,))


def test_the_scenarios_processors_are_named_as_the_scenarios(one_cpu, capsys):
    assert main(["scenario", "seo_audit", "--headless"]) == 2
    err = capsys.readouterr().err
    assert err == ("orchtui: seo_audit.yaml asks for 2 processors (processors: 2): only 1 CPU "
                   "is allowed here (0); use --processors 1, or --sim for more\n")


def test_the_flag_is_named_as_the_flag(one_cpu, capsys):
    assert main(["scenario", "seo_audit", "--headless", "--processors", "3"]) == 2
    err = capsys.readouterr().err
    assert err == ("orchtui: --processors 3: only 1 CPU is allowed here (0); "
                   "use --sim for more\n")


def test_two_cpus_are_plural(monkeypatch, capsys):
    monkeypatch.setattr(session, "allowed_cpus", lambda: (0, 1))
    assert main(["scenario", "seo_audit", "--headless", "--processors", "3"]) == 2
    assert "only 2 CPUs are allowed here (0,1)" in capsys.readouterr().err
