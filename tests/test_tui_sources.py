"""The TUI's event sources hand out inert events; a big graph's GraphReady is checked by a
faster path, which must make exactly what ev.inert_event makes, and the run's own GraphReady
hands on the graph described ahead of the run (the same calls: not taken in twice)."""

from __future__ import annotations

import pytest

from orchtui.engine import events as ev
from orchtui.tui.sources import LiveSource, inert_graph


def _graph(text: str = 's1: f(x="a\\\\b")', t: float = 0.0) -> ev.GraphReady:
    calls = ({"id": "s1", "function": "f", "kind": "compute", "rank": 1, "deps": [],
              "thought": None, "text": text, "cost": 1.0},
             {"id": "s2", "function": "g", "kind": "inout", "rank": 2, "deps": ["s1"],
              "thought": "then\tthis\nand that", "text": "s2: g(s1)", "cost": 0.5})
    return ev.GraphReady(t, calls, (("s1", "s2"),))


def test_a_clean_graph_is_handed_on_as_it_is() -> None:
    graph = _graph()
    assert inert_graph(graph) is graph


@pytest.mark.parametrize("bad", ["\x1b[2J", "\x07", "\r", "\x0b", "\x9b", "\u202e", "\x7f",
                                 "\\\\u001b", "\\\\r"])
def test_a_graph_with_a_control_character_is_made_inert_as_any_event(bad: str) -> None:
    graph = _graph(f"s1: f('{bad}')")
    assert inert_graph(graph) == ev.inert_event(graph)


class _Run:
    """A run whose loop emits its graph again, as the engine's does."""

    class executor:  # what LiveSource reads of an executor
        mode = "sim"
        cpus = (0,)

        @staticmethod
        def close() -> None:
            pass

    def __init__(self, later: ev.GraphReady) -> None:
        self.later = later

    def graph_event(self) -> ev.GraphReady:
        return _graph()

    def events(self):
        yield ev.RunStarted(0.0, "sc", "llmorch", 1, (0,), "sim")
        yield self.later

    def cancel(self) -> None:
        pass


def test_the_runs_graph_is_the_one_described_ahead() -> None:
    source = LiveSource(_Run(_graph(t=0.25)))  # type: ignore[arg-type]
    ahead = source.graph()
    assert ahead is not None
    emitted = list(source.emitted())[1]
    assert isinstance(emitted, ev.GraphReady) and emitted.t == 0.25
    assert emitted.calls is ahead.calls


def test_a_graph_that_changed_is_taken_as_it_comes() -> None:
    later = _graph("s1: f(\x1b)", t=0.25)
    source = LiveSource(_Run(later))  # type: ignore[arg-type]
    ahead = source.graph()
    emitted = list(source.emitted())[1]
    assert ahead is not None and emitted.calls is not ahead.calls
    assert emitted == ev.inert_event(later)
