"""The compare screen's rows charge every policy its model turns: from a live run, each turn
costs what the run measured; ReAct pays one per call and one to answer, parallel tool calling
one per round and one to answer, the plan-ahead policies one to plan and one to answer."""

from __future__ import annotations

from dataclasses import replace

from orchtui.engine import events as ev
from orchtui.engine.record import RunRecord
from orchtui.scenario.loader import find_scenario, load_scenario
from orchtui.tui.compare import compare_policies, measured_turn

SC = replace(load_scenario(find_scenario("parallelqa_83")), faults={})  # no call fails


def test_every_policy_pays_its_turns() -> None:
    runs = {r.policy: r.record for r in compare_policies(SC, 2, llm_turn=0.5)}
    turns = {p: [name for name, _, _ in rec.turns] for p, rec in runs.items()}
    assert len(turns["react"]) == 13 + 1 and turns["react"][-1] == "answer"
    assert turns["parallelfc"][-1] == "answer" and all(
        t.startswith("round:") for t in turns["parallelfc"][:-1])
    for policy in ("llmcompiler", "llmorch", "critical-path"):
        assert turns[policy] == ["plan", "answer"], policy
    free = {r.policy: r.record.makespan for r in compare_policies(SC, 2)}
    for policy, rec in runs.items():  # each turn adds its half second to the makespan
        assert rec.makespan >= free[policy] + 0.5 * len(turns[policy]) - 1e-9, policy


def test_the_turn_charged_is_the_live_run_s_mean() -> None:
    events = [ev.RunStarted(0.0, "x", "react", 1, (0,), "real", llm="gpt-test"),
              ev.TurnStarted(0.0, "think:1", ""), ev.TurnFinished(1.0, "think:1", 1.0),
              ev.TurnStarted(2.0, "think:2", ""), ev.TurnFinished(5.0, "think:2", 3.0)]
    assert measured_turn(RunRecord.from_events(events)) == 2.0
    sim = [ev.RunStarted(0.0, "x", "react", 1, (0,), "sim"), *events[1:]]
    assert measured_turn(RunRecord.from_events(sim)) is None  # modelled turns: the scenario's
    # a recorded real run (a replayed stream's plan turn is the replay, no model's turn)
    recorded = [ev.RunStarted(0.0, "x", "react", 1, (0,), "real", llm="recorded"), *events[1:]]
    assert measured_turn(RunRecord.from_events(recorded)) is None


def test_compare_rebuilds_a_grown_plan_from_its_events() -> None:
    """A live ReAct run has no recorded plan: the compare screen's rows run the calls it made
    (as the model wrote them), and a streamed run's calls come one GraphReady each."""
    from orchtui.tui.trace_scenario import scenario_from_trace

    def declared(cid: str, text: str, kind: str, cost: float) -> ev.GraphReady:
        fn = text.split("(")[0].split(": ")[-1]
        return ev.GraphReady(0.0, ({"id": cid, "function": fn, "kind": kind, "rank": 1,
                                    "deps": [], "thought": None, "text": text,
                                    "cost": cost},), ())

    events = [ev.RunStarted(0.0, "x", "react", 2, (0, 1), "real"),
              declared("s1", 'search("New Jersey", k=40)', "inout", 0.3),
              declared("s2", "math(prompt='2 + 2')", "compute", 0.4)]
    sc = scenario_from_trace(events)
    assert [c.id for c in sc.plan.calls] == ["s1", "s2"] and sc.kinds["math"] == "compute"
    assert sc.costs == {"s1": 0.3, "s2": 0.4}
    runs = {r.policy: r.record for r in compare_policies(sc, 2, llm_turn=1.0)}
    assert len(runs["react"].turns) == 3 and runs["llmorch"].status == "ok"
