"""`orchtui scenario FILE`: run a scenario in the TUI, or headless with a summary or JSON."""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from orchtui.cli.inputs import (
    COMPUTE_HELP,
    FILE_HELP,
    SEED_HELP,
    load_input,
    print_plan_warnings,
)
from orchtui.cli.llm_setup import LLMSetup, add_llm_options, prepare
from orchtui.engine.gcpause import collector_paused
from orchtui.engine.policies import COMPUTE_MODE_POLICIES
from orchtui.engine.record import RunRecord
from orchtui.engine.trace import TraceWriter, write_chrome_trace
from orchtui.errors import OrchError
from orchtui.exits import freeze_start_up, leave_to_os
from orchtui.llm.translate import TranslationFailed
from orchtui.plan.model import Call, Plan
from orchtui.scenario.model import POLICIES, Scenario
from orchtui.scenario.trust import require_trust
from orchtui.text import inert, safe_line

if TYPE_CHECKING:
    from rich.text import Text


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Options shared by every command that runs a scenario."""
    p.add_argument("file", help=FILE_HELP)
    p.add_argument("--policy", choices=POLICIES, help="default: the scenario's policy")
    p.add_argument("--processors", type=int, metavar="N",
                   help="allocate N processors (the first N CPUs this process may use)")
    p.add_argument("--cpus", metavar="LIST", help="allocate these CPUs, e.g. 0,2 or 0-3")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--sim", action="store_true",
                      help="simulate in virtual time from the declared costs")
    mode.add_argument("--real", action="store_true",
                      help="run the functions on pinned workers (the default when the "
                           "scenario's functions have an impl)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="where real compute calls run: pinned local workers, or Dask "
                        "(pip install 'orchtui[dask]')")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --executor dask: an existing Dask scheduler (default: start a "
                        "local cluster, one single-thread worker per allocated CPU)")
    p.add_argument("--compute", choices=("serial", "eager"), default="serial", help=COMPUTE_HELP)
    p.add_argument("--seed", type=int, help=SEED_HELP)
    p.add_argument("--strict", action="store_true",
                   help="refuse a plan read leniently (a plan warning becomes an error, exit 2)")
    p.add_argument("--llm-turn", type=float, metavar="SECONDS",
                   help="override the scenario's llm_turn: how long each LLM turn takes")
    p.add_argument("--memory-limit", type=_megabytes, metavar="MB",
                   help="real: cap each compute worker's address space (RLIMIT_AS)")


def _megabytes(text: str) -> int:
    # 0 or less used to mean "no limit" without a word (a negative limit reached setrlimit as
    # RLIM_INFINITY): refuse it instead.
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of MB") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 MB, got {value}")
    if value > _MAX_MEGABYTES:  # setrlimit takes a C long of bytes
        raise argparse.ArgumentTypeError(f"must be at most {_MAX_MEGABYTES} MB, got {value}")
    return value


_MAX_MEGABYTES = (2**63 - 1) >> 20


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scenario", help="run a scenario: in the TUI, or --headless")
    add_run_options(p)
    p.add_argument("--headless", action="store_true", help="no TUI: print a summary")
    p.add_argument("--json", action="store_true", help="with --headless: print JSON")
    add_tui_options(p)
    p.add_argument("--chrome-trace", metavar="FILE",
                   help="write a Chrome trace (open it in Perfetto)")
    p.add_argument("--gantt", metavar="FILE",
                   help="with --headless: draw the lanes as a Gantt chart to FILE (.svg, .png "
                        "or .pdf; pip install 'orchtui[plots]')")
    add_llm_options(p)
    p.set_defaults(func=run)


def add_tui_options(p: argparse.ArgumentParser) -> None:
    """How the TUI shows a run (`scenario` and `serve`)."""
    p.add_argument("--step", action="store_true",
                   help="TUI: start paused; n advances one decision")
    p.add_argument("--speed", type=float, metavar="X",
                   help="TUI, sim: virtual seconds per wall second (default: the run takes a "
                        "few seconds to watch; inf: no pacing)")
    add_pace_option(p)
    p.add_argument("--trace", metavar="FILE",
                   help="write every event as JSON lines (in the TUI: the latest run)")


def add_pace_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pace", type=_pace, metavar="X",
                   help="TUI: playback pace for a talk ([ and ] change it live). The sim and "
                        "replays play X times faster than usual; a real run is shown step by "
                        "step, X decisions a second, the engine waiting between steps")


def _pace(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def with_overrides(scenario: Scenario, args: argparse.Namespace) -> Scenario:
    """The scenario with command-line overrides applied."""
    llm_turn = getattr(args, "llm_turn", None)
    if llm_turn is not None:
        if not 0 <= llm_turn < math.inf:
            raise OrchError("--llm-turn must be a finite number ≥ 0")
        scenario = replace(scenario, llm_turn=llm_turn)
    return scenario


def choose_mode(scenario: Scenario, args: argparse.Namespace) -> str:
    """Real when every function has an impl, unless --sim. --real insists."""
    missing = [f.name for f in scenario.functions if not f.impl]
    dask = getattr(args, "executor", "local") == "dask"
    if getattr(args, "scheduler", None) and not dask:
        raise OrchError("--scheduler goes with --executor dask")
    if getattr(args, "sim", False):
        if dask:
            raise OrchError("--executor dask runs calls for real: leave out --sim")
        return "sim"
    if dask:
        if missing:
            raise OrchError(f"--executor dask: function {missing[0]} has no impl to run")
        return "dask"
    if missing:
        if getattr(args, "real", False):
            raise OrchError(f"--real: function {missing[0]} has no impl in the scenario, "
                            "so it can only be simulated (--sim)")
        return "sim"
    return "real"


def run(args: argparse.Namespace) -> int:
    if args.json and not args.headless:
        raise OrchError("--json goes with --headless")
    if getattr(args, "gantt", None):
        from orchtui.plots import check_path, require_matplotlib

        if not args.headless:
            raise OrchError("--gantt goes with --headless")
        check_path(args.gantt, "--gantt")
        require_matplotlib("--gantt")
    scenario = with_overrides(load_input(args.file, strict=getattr(args, "strict", False)), args)
    policy = args.policy or scenario.policy
    # In the TUI, `p` may switch to a baseline (and its comparison runs them all): there
    # --compute eager waits for them. Headless, the run's one policy ignores it.
    if args.headless and args.compute == "eager" and policy not in COMPUTE_MODE_POLICIES:
        raise OrchError(f"--compute eager sets how the {' and '.join(COMPUTE_MODE_POLICIES)} "
                        f"baselines run compute calls, and {policy} places its own: use it "
                        f"with --policy {' or '.join(COMPUTE_MODE_POLICIES)}")
    mode = choose_mode(scenario, args)
    if mode != "sim":  # refused before a model is asked or the screen opens
        require_trust(scenario)
    try:
        setup = prepare(scenario, args)
    except TranslationFailed as err:
        # The run ends: no valid plan came of any attempt. The attempts go to the trace.
        if args.trace:
            writer = TraceWriter(args.trace, on_error=_warn)
            for e in err.events:
                writer.write(e)
            writer.close()
        print(f"orchtui: {safe_line(str(err))}", file=sys.stderr)
        if args.json:  # a failed run: its JSON says so, as a run whose calls failed does
            _print_json(_untranslated(err, scenario, args, mode))
        return 1
    if not args.headless:
        from orchtui.tui import run_app

        code = run_app(setup.scenario, mode=mode, policy=args.policy or setup.policy,
                       processors=args.processors, cpus=args.cpus, compute=args.compute,
                       seed=args.seed, step=args.step, trace_path=args.trace,
                       speed=args.speed, pace=args.pace,
                       run_factory=tui_factory(setup, args), scheduler=args.scheduler,
                       run_maker=setup.run_maker())
        if mode == "sim":  # every run of the app was simulated: see run_headless
            leave_to_os()
        return code
    return run_headless(setup, args, mode)


def _untranslated(err: TranslationFailed, scenario: Scenario, args: argparse.Namespace,
                  mode: str) -> RunRecord:
    """The record of a run that ended before it began: no valid plan came of any attempt. Its
    turns are the attempts'; it has no calls, and no makespan."""
    from orchtui.engine.session import allocate  # only here: a run allocates its own

    rec = RunRecord.from_events(err.events)
    rec.scenario, rec.policy, rec.mode = scenario.name, args.policy or scenario.policy, mode
    # the processors asked for (the sim's allocation: nothing was allocated)
    rec.processors = allocate(args.processors, args.cpus, "sim", scenario.processors).processors
    rec.status, rec.error = "failed", str(err)
    return rec


def _print_json(rec: RunRecord) -> None:
    sys.stdout.writelines(rec.json_text())
    print()


def _warn(message: str) -> None:
    print(f"orchtui: {safe_line(message)}", file=sys.stderr, flush=True)


def tui_factory(setup: LLMSetup, args: argparse.Namespace):
    """Build each of the TUI's runs through the LLM setup, keeping the policy the user picks
    with `p` and the processors picked with + and -."""
    def build(options):
        chosen = setup if options.policy in (None, setup.policy) else replace(
            setup, policy=options.policy)
        return chosen.make_run(options.mode, processors=options.processors, cpus=options.cpus,
                               compute=options.compute, seed=options.seed,
                               memory_limit_mb=args.memory_limit, scheduler=args.scheduler)
    return build


def run_headless(setup: LLMSetup, args: argparse.Namespace, mode: str) -> int:
    """Run without the TUI and print a summary (or JSON). Exit 0 when the run succeeded and
    every output asked for was written; 1 when the run failed, or it succeeded but its trace
    or Chrome trace could not be written in full (the summary still prints; stderr says why)."""
    if not args.json:  # with --json, the warnings are in the JSON
        print_plan_warnings(setup.scenario.plan)
    if mode != "sim":  # (the sim pauses the collector instead, and leaves its heap to the OS)
        freeze_start_up()
    with collector_paused(mode == "sim"):
        code = _run_headless(setup, args, mode)
    if mode == "sim":  # the sim ran no user code and started no workers
        leave_to_os()
    return code


def _run_headless(setup: LLMSetup, args: argparse.Namespace, mode: str) -> int:
    # Opened first: a path that cannot be written is refused before anything runs.
    writer = TraceWriter(args.trace, on_error=_warn) if args.trace else None
    try:
        run = setup.make_run(mode, processors=args.processors, cpus=args.cpus,
                             compute=args.compute, seed=args.seed,
                             memory_limit_mb=args.memory_limit, scheduler=args.scheduler)
    except BaseException:
        if writer:
            writer.close()
        raise
    # Folded as they come: a 100,000-call run makes 450,000 events, kept only for a Chrome trace
    # or a Gantt chart
    rec = RunRecord()
    events: list | None = [] if args.chrome_trace or getattr(args, "gantt", None) else None
    try:
        for e in run.events():
            rec.apply(e)
            if events is not None:
                events.append(e)
            if writer:
                writer.write(e)
    except KeyboardInterrupt:
        run.cancel()
        if writer and rec.status == "running":  # the trace says the run was cut short
            writer.write(run.cancelled_event())
        raise
    finally:
        run.executor.close()
        if writer:
            writer.close()
    fatal = getattr(run.executor, "fatal", None)  # e.g. every Dask worker lost: said at the end
    # The record holds all the summary needs. The engine's plan, graph and states go now: the
    # summary's react reference runs the whole plan again, and both at once would double the
    # peak memory of a long sim.
    del run
    lost = writer is not None and writer.error is not None
    if events is not None and args.chrome_trace:
        try:
            write_chrome_trace(events, args.chrome_trace)
        except OrchError as err:
            _warn(str(err))
            lost = True
    if rec.error:  # a failure no call's status explains (a plan stream that broke): say it
        _warn(rec.error)
    if events is not None and getattr(args, "gantt", None):
        from orchtui.plots.gantt import write_gantt

        write_gantt(events, args.gantt)
    if args.json:
        _print_json(rec)
    else:
        print_summary(rec, setup.scenario, args)
    if fatal:
        print(safe_line(f"orchtui: {fatal}"), file=sys.stderr)
    return 0 if rec.status == "ok" and not lost else 1


def react_reference(rec: RunRecord, scenario: Scenario, args: argparse.Namespace
                    ) -> tuple[float, str]:
    """ReAct's makespan for the speedup line. In the sim: a sim run of react. In a real run:
    modelled from this run's measured durations (react runs them one by one), its model turns
    charged at the length this run's turns took, and labelled so."""
    from orchtui.engine.sweep import makespan_of  # only here: --json needs none of it

    scenario = replace(scenario, faults={})  # the reference runs without injected failures
    if scenario.plan is None or set(scenario.plan.ids) != set(rec.calls):
        # the plan grew during the run (streamed, or a live baseline's): the calls it made
        plan = Plan(tuple(Call(c.id, c.function, refs=c.deps) for c in rec.calls.values()))
        scenario = replace(scenario, plan=plan, costs={c.id: c.cost for c in rec.calls.values()})
    if rec.mode == "sim":
        makespan, turns = makespan_of(scenario, "react", rec.processors, args.compute,
                                      args.seed)
        return makespan, f"{turns} LLM turns, sim, without recovery"
    # a call that shared its processor ran slower than it would alone, as under react: take
    # its declared cost instead of its measured duration
    durations = rec.durations(measured=True)
    costs = {c.id: c.cost if (c.shared or c.pool) else durations[c.id]
             for c in rec.calls.values()}
    live = rec.live_turn()
    turn = scenario.llm_turn if live is None else live
    modelled = replace(scenario, costs=costs, llm_turn=turn)
    makespan, paid = makespan_of(modelled, "react", 1, args.compute, args.seed)
    turns = f"{paid} LLM turns of {turn:.2f} s" if turn else "LLM turns free (llm_turn 0)"
    return makespan, f"{turns}, modelled from this run's measured durations"


MAX_ROWS = 200  # calls listed in the summary table


def print_summary(rec: RunRecord, scenario: Scenario, args: argparse.Namespace) -> None:
    # rich only here: --json and the TUI do not pay for importing it
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    cpus = ",".join(map(str, rec.cpus))
    # Every string here may come from a function, a model or a scenario file: shown, not obeyed.
    title = (f"{inert(rec.scenario, newlines=False)} · {rec.policy} · P={rec.processors} "
             f"({'cpus' if rec.mode != 'sim' else 'processors'} {cpus}) · {rec.mode}")
    if rec.policy in COMPUTE_MODE_POLICIES:
        title += f" · compute {rec.compute}"
    table = Table(title=Text(title), title_justify="left")
    for col in ("id", "function", "kind", "rank", "processor", "start", "end", "status"):
        table.add_column(col, justify="right" if col in ("rank", "start", "end") else "left")
    calls = list(rec.calls.values())
    # rich lays a table out in memory first: 100,000 rows took minutes and a gigabyte. Failed
    # calls are listed whatever their number; --json lists every call.
    shown = calls if len(calls) <= MAX_ROWS else [
        c for n, c in enumerate(calls) if n < MAX_ROWS or c.status == "failed"]
    for c in shown:
        if c.kind == "compute" and c.pool:
            where = "shared (OS)"
        elif c.kind == "compute" and c.processor is not None:
            # no cpu when the call never reached a worker (its arguments could not be bound):
            # the cpu part is left out, as a missing start or end is left blank
            where = str(c.processor) if rec.mode == "sim" or c.cpu is None else (
                f"{c.processor} (cpu {c.cpu})")
            where += " shared" if c.shared else ""
        else:
            where = "I/O"
        status = _status(c.status, c.error)
        if c.retried:  # its Dask worker was lost mid-call; it ran again
            status.append(f" (retried {len(c.retried)}×: worker lost)", style="yellow")
        table.add_row(Text(inert(c.id, newlines=False)), Text(inert(c.function, newlines=False)),
                      c.kind, str(c.rank), where, _s(c.start), _s(c.end), status)
    console.print(table)
    if len(shown) < len(calls):
        console.print(f"… and {len(calls) - len(shown)} more calls, not listed "
                      "(--json lists every call)")
    makespan = rec.makespan or 0.0
    bound = rec.lower_bound()
    console.print(f"makespan [bold]{makespan:.3f} s[/]   lower bound {bound:.3f} s "
                  f"= max(critical path, compute work / P)   makespan/bound "
                  f"{makespan / bound if bound else float('nan'):.2f}")
    if rec.status == "ok" and makespan > 0:
        react, how = react_reference(rec, scenario, args)
        console.print(f"speedup vs react: [bold]{react / makespan:.2f}×[/] "
                      f"(react {react:.3f} s, {how})")
    names = [name for name, _, _ in rec.turns]
    shown = ", ".join(names[:6]) + (f", … {len(names) - 6} more" if len(names) > 6 else "")
    console.print(f"LLM turns ({rec.policy}): {len(names)}" + (f" ({shown})" if names else
                  " (the scenario's llm_turn is 0: orchestration alone)"), markup=False,
                  highlight=False)
    console.print(f"status: [{'green' if rec.status == 'ok' else 'red'}]{rec.status}[/]")
    if rec.answer:
        console.print(f"answer: {inert(rec.answer[:400])}", markup=False, highlight=False)


def _s(x: float | None) -> str:
    return "" if x is None else f"{x:.3f}"


def _status(status: str, error: str) -> Text:
    from rich.text import Text

    if status == "failed":
        return Text.assemble(("failed", "red"), f": {inert(error[:80], newlines=False)}")
    if status == "done":
        return Text("done", style="green")
    return Text("skipped", style="yellow")

