"""Text from functions, models and traces is inert wherever it is shown, and anything shaped like
an API key is redacted before it is written (issue 14, items 4 and 15).

A real run of tests/fault_scenarios/hostile_text.yaml returns and raises text holding
clear-screen, an OSC 0 window title, an OSC 52 clipboard write, a C1 CSI, a carriage return and
a bidi override, and echoes a key and an Authorization header. None of it reaches the terminal
raw: not the headless summary, not the TUI replaying it; none of the keys reach a trace.
"""

from __future__ import annotations

import json
import os
import subprocess
import unicodedata
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, Reply
from fault_scenarios.harness import FAULTS, ROOT, orchtui_command
from fault_scenarios.hostile import ESCAPES, KEY
from fault_scenarios.pty_run import ALT_ON, run_on_pty

from orchtui.engine import events as ev
from orchtui.text import inert, is_inert, redact

HOSTILE = FAULTS / "hostile_text.yaml"
ENV_KEY = "sk-envcanary-5b2d4f6a8c0e7f3a9c1e"
# What a terminal would obey: ESC, BEL, C1 CSI/OSC (UTF-8 encoded), CR, the RLO override.
RAW = (b"\x1b", b"\x07", b"\xc2\x9b", b"\xc2\x9d", b"\r", "\u202e".encode())


def raw_controls(data: bytes) -> list[bytes]:
    return [r for r in RAW if r in data]


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **env}
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        full_env.pop(var, None)  # Rich then writes no styling of its own: any ESC is data
    return subprocess.run([*orchtui_command(), *args], capture_output=True, cwd=ROOT,
                          env=full_env, timeout=60)


# -- the sanitiser ----------------------------------------------------------------------------
def test_inert_escapes_every_control_and_keeps_the_text_visible() -> None:
    every = "".join(chr(c) for c in range(0x00, 0xA0)) + "\u202a\u202b\u202c\u202d\u202e" \
            "\u2066\u2067\u2068\u2069"
    shown = inert(every)
    assert is_inert(shown)
    assert all(unicodedata.category(ch) != "Cc" or ch in "\n\t" for ch in shown)
    assert "\\x1b" in inert("\x1b[2J") and "[2J" in inert("\x1b[2J")
    one_line = inert("a\nb\tc", newlines=False)
    assert one_line == "a\\nb\\tc"
    assert inert("plain text, ünïcode ✓") == "plain text, ünïcode ✓"


def test_inert_event_escapes_every_text_field() -> None:
    e = ev.GraphReady(0.0, ({"id": "s1", "function": "f", "kind": "inout", "rank": 1,
                             "deps": (), "thought": ESCAPES, "text": ESCAPES, "cost": 1.0},),
                      ())
    shown = ev.inert_event(e)
    assert is_inert(shown.calls[0]["thought"]) and is_inert(shown.calls[0]["text"])
    plain = ev.Finished(1.0, "s1", 0.5, "fine")
    assert ev.inert_event(plain) is plain  # nothing to escape: not copied


# -- headless ---------------------------------------------------------------------------------
def test_headless_summary_writes_no_control_sequence(tmp_path: Path) -> None:
    done = cli("scenario", str(HOSTILE), "--headless")
    assert done.returncode == 1, done.stderr  # s2 fails
    assert b"failed" in done.stdout and b"PWNED" in done.stdout  # shown, as text
    assert raw_controls(done.stdout + done.stderr) == []


def test_headless_json_and_replay_write_no_control_sequence(tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    done = cli("scenario", str(HOSTILE), "--headless", "--json", "--trace", str(trace))
    assert raw_controls(done.stdout + done.stderr) == []
    json.loads(done.stdout)
    replayed = cli("replay", str(trace), "--headless")
    assert replayed.returncode == 0, replayed.stderr
    assert raw_controls(replayed.stdout + replayed.stderr) == []


def test_a_model_error_on_stderr_is_inert() -> None:
    # A server's error body is quoted in the one-line error: escaped there too.
    with FakeOpenAI([Reply(status=500, text=ESCAPES)]) as server:
        done = cli("scenario", "parallelqa_83", "--headless", "--sim", "--llm", "--base-url",
                   server.base_url, "--model", "m", "--repairs", "0", "--retranslations", "0",
                   OPENAI_API_KEY="sk-fake-for-test")
    assert done.returncode in (1, 2)
    assert b"HTTP 500" in done.stderr and b"PWNED" in done.stderr
    assert raw_controls(done.stdout + done.stderr) == []


# -- the TUI ----------------------------------------------------------------------------------
def hostile_trace(path: Path) -> Path:
    events = [
        ev.RunStarted(0.0, "hostile", "llmorch", 1, (0,), "sim"),
        ev.PlanReady(0.0, "llm", f"s1: escapes()  # {ESCAPES}"),
        ev.GraphReady(0.0, ({"id": "s1", "function": "escapes", "kind": "inout", "rank": 1,
                             "deps": (), "thought": ESCAPES, "text": f"s1: escapes() {ESCAPES}",
                             "cost": 0.1},
                            {"id": "s2", "function": "shout", "kind": "inout", "rank": 1,
                             "deps": (), "thought": None, "text": "s2: shout()", "cost": 0.1}),
                      ()),
        ev.Scheduled(0.0, ("s1", "s2"), f"ready {ESCAPES}"),
        ev.Dispatched(0.0, "s1", None, f"inout {ESCAPES}"),
        ev.Started(0.0, "s1", None, None, None),
        ev.Dispatched(0.0, "s2", None, "inout"),
        ev.Started(0.0, "s2", None, None, None),
        ev.Finished(0.1, "s1", 0.1, ESCAPES),
        ev.Failed(0.1, "s2", f"ValueError: {ESCAPES}"),
        ev.RunFinished(0.1, 0.1, "failed", ESCAPES),
    ]
    path.write_text("".join(ev.event_to_line(e) + "\n" for e in events), encoding="utf-8")
    return path


@pytest.mark.skipif(not os.path.exists("/dev/ptmx"), reason="needs a pseudo-terminal")
def test_tui_replay_never_sends_the_sequences_to_the_terminal(tmp_path: Path) -> None:
    trace = hostile_trace(tmp_path / "hostile.jsonl")
    run = run_on_pty(["replay", str(trace)], until=lambda out: ALT_ON in out, settle=2.0)
    assert run.returncode == 0
    shown = run.output
    assert b"PWNED-TITLE" in shown  # the text is on screen ...
    for raw in (b"\x1b]0;PWNED", b"\x1b]52;c;UFdO", b"\x1b[2J\x1b[HCLEARED", b"\xc2\x9b31m",
                b"\rOVERWRITE", "\u202eTXET".encode()):
        assert raw not in shown  # ... and never as a sequence the terminal obeys


# -- redaction --------------------------------------------------------------------------------
def test_redact_shapes() -> None:
    for secret in ("Bearer sk-abc123def456ghi789", "Authorization: Basic dXNlcjpwYXNzd29yZA==",
                   '"authorization": "Bearer abcdefghijklmnopqrstu"', "sk-proj-AAAA1111BBBB2222",
                   "api_key=abcd1234efgh5678", "OPENAI_API_KEY=sk-live-0000111122223333",
                   "ghp_abcdefghijklmnopqrstuvwxyz0123", "AKIAIOSFODNN7EXAMPLE"):
        out = redact(f"before {secret} after")
        assert "***" in out and out.startswith("before ") and out.endswith(" after"), out
        tail = secret[-8:].strip('"')
        assert tail not in out, out
    for harmless in ("s1: fetch(url='https://example.com/a?b=c')", "bearer of news",
                     "token_count = 5", "sk-no-key-required", "ask-me-anything"):
        assert redact(harmless) == harmless


def test_redact_the_environment_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "plainkey-without-shape-42")
    assert redact("the key is plainkey-without-shape-42.") == "the key is ***."


def test_no_key_reaches_a_trace(tmp_path: Path) -> None:
    trace, chrome = tmp_path / "t.jsonl", tmp_path / "t.json"
    done = cli("scenario", str(HOSTILE), "--headless", "--json", "--trace", str(trace),
               "--chrome-trace", str(chrome), OPENAI_API_KEY=ENV_KEY)
    assert done.returncode == 1, done.stderr
    calls = {c["id"]: c for c in json.loads(done.stdout)["calls"]}
    assert calls["s3"]["status"] == "done"
    for text in (trace.read_text(encoding="utf-8"), chrome.read_text(encoding="utf-8"),
                 done.stdout.decode(), done.stderr.decode()):
        assert KEY not in text and ENV_KEY not in text
        assert "sk-proj" not in text
    assert "Authorization: ***" in trace.read_text(encoding="utf-8")
