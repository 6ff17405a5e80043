"""What a new user reads before running anything: `orchtui --help`, each command's `--help`, and
the command lines the README shows. Every option says what it does; every example parses and
names a scenario that exists; every `orchtui ...` line of the README is one the parser takes."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from orchtui.cli.main import build_parser
from orchtui.scenario.loader import BUNDLED, find_scenario

README = Path(__file__).resolve().parents[1] / "README.md"


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


def _examples(help_text: str) -> list[list[str]]:
    """The command lines in the `examples:` block of a help text."""
    block = help_text.split("examples:\n", 1)[1].split("\n\n", 1)[0]
    return [shlex.split(line.split("  #")[0]) for line in block.splitlines()
            if line.strip().startswith("orchtui ")]


def test_top_help_examples_parse_and_name_bundled_scenarios():
    text = build_parser(["--help"]).format_help()
    examples = _examples(text)
    assert len(examples) >= 3
    for argv in examples:
        args = build_parser(argv[1:]).parse_args(argv[1:])
        assert find_scenario(args.file).is_file()


def test_top_help_lists_every_bundled_scenario():
    text = " ".join(build_parser(["--help"]).format_help().split())
    for path in BUNDLED.glob("*.yaml"):
        assert path.stem in text, f"orchtui --help does not name {path.stem}"


def _readme_command_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    lines = {m.group(1) for m in re.finditer(r"`(orchtui [^`]+)`", text)}
    for block in re.findall(r"```(?:sh|bash)\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split(" #")[0].strip()
            if "orchtui " in line:
                lines.add(line[line.index("orchtui "):])
    return sorted(" ".join(line.split()) for line in lines)


# README placeholders -> a value of the right shape
_PLACEHOLDERS = {"FILE": "seo_audit", "TRACE": "run.jsonl", "N": "2", "options": ""}


def test_readme_command_lines_parse():
    lines = _readme_command_lines()
    assert len(lines) > 20
    for line in lines:
        words = [_PLACEHOLDERS.get(w.strip("[]"), w.strip("[]")) for w in line.split()]
        argv = [w for w in words if w][1:]
        if len(argv) < 2 or argv[1].startswith("-") or "|" in argv or "…" in argv:
            continue  # a command named in prose (`orchtui plan --json`), a pipe
        try:
            build_parser(argv).parse_args(argv)
        except SystemExit:
            pytest.fail(f"README shows `{line}`, which orchtui refuses")
