"""`orchtui serve`: the command each browser's run gets, and its one-line errors. (The server in
a real browser: tests/test_serve_browser.py.)"""

from __future__ import annotations

import sys

import pytest

from orchtui.cli.main import build_parser, main
from orchtui.cli.serve_cmd import app_command


def command(*argv: str) -> list[str]:
    args = build_parser().parse_args(["serve", *argv])
    return app_command(args, args.parser)


def test_the_options_given_reach_each_run() -> None:
    argv = command("seo_audit", "--sim", "--step", "--seed", "3", "--pace", "2",
                   "--policy", "react", "--port", "9001")
    assert argv[:5] == [sys.executable, "-m", "orchtui", "scenario", "seo_audit"]
    rest = argv[5:]
    assert "--sim" in rest and "--step" in rest
    assert rest[rest.index("--seed") + 1] == "3"
    assert rest[rest.index("--pace") + 1] == "2.0"
    assert rest[rest.index("--policy") + 1] == "react"
    assert "--port" not in rest and "--host" not in rest  # the server's, not the app's
    # the app's own parser takes what serve passes on
    build_parser().parse_args(argv[3:])


def test_defaults_are_left_out() -> None:
    assert command("seo_audit")[5:] == []


@pytest.mark.parametrize("argv, message", [
    (["serve", "no_such_scenario"], "no_such_scenario: no such scenario file"),
    (["serve", "seo_audit", "--scheduler", "x"], "--scheduler goes with --executor dask"),
])
def test_bad_input_is_one_line(argv: list[str], message: str | None, capsys) -> None:
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("orchtui")
    if message:
        assert message in err[0]


def test_without_textual_serve_one_line_says_how_to_install(
        capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    assert main(["serve", "seo_audit", "--sim"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "orchtui: serve needs textual-serve, which is not installed: "
        "pip install 'orchtui[serve]'"]


def test_a_port_in_use_is_one_line(capsys) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["serve", "seo_audit", "--sim", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"orchtui: serve: cannot listen on 127.0.0.1:{port}")


def test_stopping_leaves_the_callers_own_processes_alone(capsys) -> None:
    """The server's stop waits for the pages' runs and kills what is left of them: it took every
    descendant for a run, so a caller's own child (here a sleeper; in the test suite,
    multiprocessing's resource tracker) was waited for 10 s, then killed."""
    import socket
    import subprocess

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            assert main(["serve", "seo_audit", "--sim", "--port",
                         str(s.getsockname()[1])]) == 2
        assert sleeper.poll() is None, "the server's stop killed a process it did not start"
    finally:
        sleeper.kill()
        sleeper.wait()
