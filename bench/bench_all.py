"""Every row of issue 15's goal table, in one command, with its baselines in the same rounds.

    python bench/bench_all.py                 # 3 interleaved rounds, medians and ratios
    python bench/bench_all.py --rounds 5
    python bench/bench_all.py --only startup,sim
    python bench/bench_all.py --compare-tree /path/to/older/checkout   # before/after, same rounds

Rows (each measured once per round, the rounds interleaved so that the host's drift hits every
configuration alike; only same-round ratios and medians are reported):

  calls    real, 1,000 no-op compute calls, P=2: per call, a whole llmorch (and critical-path)
           run, against a raw multiprocessing Pipe round trip and LLMCompiler's executor style
           (asyncio + ProcessPoolExecutor, every call ready at once, as its dataflow would).
  eight    real, 8 equal CPU-bound calls, P=2: llmorch and critical-path against plain processes
           pinned one per CPU doing the same work (and LLMCompiler + ProcessPoolExecutor).
  startup  `orchtui plan` and `orchtui scenario seo_audit --headless` (real and --sim), wall
           time beyond the makespan, against a bare interpreter and plain multiprocessing
           (a Pool of 2 started, used once and closed).
  sim      `orchtui scenario <100,000-call random DAG> --sim --headless --json --processors 4`:
           wall time and peak memory of the process.
  tui      real SEO with the TUI attached (textual's headless driver, 120x36: every frame is
           composed as on a terminal) against headless, and how many events a second the UI
           shows from a live source producing 50,000 a second, and how long after the source's
           last event it shows the last; each part in a fresh interpreter.

The machine these figures come from is small and shared: say so with every number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCEN = HERE / "scenarios"
sys.path.insert(0, str(SCEN))  # cpu.py: the same functions for orchtui and the baselines

import bench_engine  # noqa: E402  (beside this file)
import cpu  # noqa: E402
from bench_workers import pinned_echo  # noqa: E402

from orchtui.engine.record import RunRecord  # noqa: E402
from orchtui.engine.session import make_run  # noqa: E402
from orchtui.plan import parse_plan  # noqa: E402
from orchtui.scenario import load_scenario  # noqa: E402
from orchtui.scenario.model import FunctionSpec, Scenario  # noqa: E402

Sample = dict[str, float]


# -- row "calls": 1,000 no-op compute calls --------------------------------------------------
def pipe_round_trip(n: int) -> float:
    """Seconds per round trip of a small message to a pinned echo process (start-up excluded)."""
    ctx = multiprocessing.get_context("forkserver")
    here, there = ctx.Pipe()
    proc = ctx.Process(target=pinned_echo, args=(there, _cpus()[-1]), daemon=True)
    proc.start()
    there.close()
    try:
        for _ in range(50):
            here.send(("job", 1))
            here.recv()
        t0 = time.perf_counter()
        for i in range(n):
            here.send(("job", i))
            here.recv()
        return (time.perf_counter() - t0) / n
    finally:
        here.close()
        proc.join(5)


def llmcompiler_pool(fn: Callable[..., object], args: list[tuple], workers: int) -> float:
    """LLMCompiler's executor style: asyncio, each ready call handed to a ProcessPoolExecutor
    with run_in_executor, all of them at once here (no call depends on another). Seconds for
    all, the pool started and warmed before the clock starts."""
    async def go(pool: ProcessPoolExecutor) -> float:
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(pool, cpu.noop) for _ in range(workers * 4)))
        t0 = time.perf_counter()
        await asyncio.gather(*(loop.run_in_executor(pool, fn, *a) for a in args))
        return time.perf_counter() - t0

    with ProcessPoolExecutor(max_workers=workers,
                             mp_context=multiprocessing.get_context("forkserver")) as pool:
        return asyncio.run(go(pool))


def _scenario_with(plan_text: str, functions: tuple[FunctionSpec, ...]) -> Scenario:
    base = load_scenario(SCEN / "eight.yaml")  # its folder holds cpu.py
    return replace(base, name="bench", plan=parse_plan(plan_text), plan_text=plan_text,
                   functions=functions, costs={})


def orchtui_run(sc: Scenario, policy: str, processors: int) -> float:
    """A real run's makespan (the executor's start-up and close are not in it)."""
    return measured_run(sc, policy, processors)[0]


def measured_run(sc: Scenario, policy: str, processors: int) -> tuple[float, float]:
    """A real run's makespan, and this process's CPU seconds a wall second while it ran."""
    run = make_run(sc, mode="real", policy=policy, processors=processors)
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        rec = RunRecord.from_events(run.events())
        cpu_rate = (time.process_time() - cpu) / (time.perf_counter() - wall)
    finally:
        run.executor.close()
    assert rec.status == "ok", rec.status
    return rec.makespan or 0.0, cpu_rate


def noop_calls(n: int) -> Scenario:
    """n independent no-op compute calls: the fine-grained work of the "calls" row."""
    noop = FunctionSpec("noop", "compute", impl="cpu.py:noop", cost=0.0)
    return _scenario_with("\n".join(f"s{i}: noop()" for i in range(1, n + 1)), (noop,))


def row_calls(n: int = 1000) -> Sample:
    sc = noop_calls(n)
    return {
        "pipe_us": pipe_round_trip(n) * 1e6,
        "llmorch_us": orchtui_run(sc, "llmorch", 2) / n * 1e6,
        "critical_path_us": orchtui_run(sc, "critical-path", 2) / n * 1e6,
        "llmcompiler_pool_us": llmcompiler_pool(cpu.noop, [()] * n, 2) / n * 1e6,
    }


# -- row "eight": 8 equal CPU-bound calls ------------------------------------------------------
def _burn_pinned(cpu_id: int, units: int, count: int, ready: Any, go: Any) -> None:
    os.sched_setaffinity(0, {cpu_id})
    ready.release()
    go.wait()
    for _ in range(count):
        cpu.burn(units)


def plain_pinned(units: int, calls: int, processors: int) -> float:
    """The same work by plain processes, one pinned to each CPU, the calls split evenly. Timed
    from when they are all up (orchtui's makespan leaves out its workers' start too)."""
    ctx = multiprocessing.get_context("forkserver")
    ready, go = ctx.Semaphore(0), ctx.Event()
    procs = [ctx.Process(target=_burn_pinned, args=(c, units, calls // processors, ready, go))
             for c in _cpus()[:processors]]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    t0 = time.perf_counter()
    go.set()
    for p in procs:
        p.join()
    return time.perf_counter() - t0


def row_eight(units: int) -> Sample:
    burn = FunctionSpec("burn", "compute", impl="cpu.py:burn", cost=1.0)
    sc = _scenario_with("\n".join(f"s{i}: burn({units})" for i in range(1, 9)), (burn,))
    return {
        "plain_s": plain_pinned(units, 8, 2),
        "llmorch_s": orchtui_run(sc, "llmorch", 2),
        "critical_path_s": orchtui_run(sc, "critical-path", 2),
        "llmcompiler_pool_s": llmcompiler_pool(cpu.burn, [(units,)] * 8, 2),
    }


# -- row "startup" -----------------------------------------------------------------------------
def _timed(argv: list[str], tree: Path | None = None) -> tuple[float, float, str]:
    """Wall seconds and peak RSS (MB) of a child process, and its stdout. The peak comes from
    GNU time where there is one: a child forked from this (large) process would report this
    process's size as its own peak."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree or ROOT)
    # As a user's install runs: Python caches the modules' bytecode. (Some environments, this
    # one among them, set PYTHONDONTWRITEBYTECODE, and every command then compiles orchtui,
    # its workers and their function files again; the baselines' stdlib is compiled already.)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.NamedTemporaryFile("r") as rss:
        wrap = ["/usr/bin/time", "-f", "%M", "-o", rss.name] if Path("/usr/bin/time").exists() \
            else []
        t0 = time.perf_counter()
        proc = subprocess.run([*wrap, *argv], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              env=env, cwd=tree or ROOT, check=False)
        wall = time.perf_counter() - t0
        text = rss.read().strip().splitlines()
        peak = int(text[-1]) / 1024 if wrap and text and text[-1].isdigit() else math.nan
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}")
    return wall, peak, proc.stdout.decode()


def warm_bytecode(trees: list[Path]) -> None:
    """Run each tree's commands once, untimed, so that the timed ones find their bytecode
    cached, as every run after a user's first does."""
    for tree in trees:
        seo = str(tree / "scenarios" / "seo_audit.yaml")
        for argv in (["plan", seo], ["scenario", seo, "--sim", "--headless"],
                     ["scenario", seo, "--headless"]):
            _timed([sys.executable, "-m", "orchtui", *argv], tree)


def row_startup(tree: Path | None = None, tag: str = "") -> Sample:
    py = sys.executable
    orch = [py, "-m", "orchtui"]
    seo = str((tree or ROOT) / "scenarios" / "seo_audit.yaml")
    s: Sample = {}
    if not tag:  # the baselines do not depend on the tree
        s["python_s"] = _timed([py, "-c", "pass"])[0]
        s["multiprocessing_s"] = _timed([py, "-c", (
            "import multiprocessing as m\nif __name__ == '__main__':\n"
            " p = m.get_context('forkserver').Pool(2); p.map(abs, [1, 2]); p.close(); p.join()")
        ])[0]
    s[f"plan_s{tag}"] = _timed([*orch, "plan", seo], tree)[0]
    s[f"sim_headless_s{tag}"] = _timed([*orch, "scenario", seo, "--sim", "--headless",
                                        "--json"], tree)[0]
    wall, _, out = _timed([*orch, "scenario", seo, "--headless", "--json"], tree)
    s[f"real_beyond_makespan_s{tag}"] = wall - json.loads(out)["makespan"]
    return s


# -- row "sim" ---------------------------------------------------------------------------------
def random_dag(n: int, seed: int = 1, width: int = 20) -> str:
    """bench_engine's random DAG (each call uses 0-3 of the 20 before it; half compute),
    indented to sit under a YAML `plan: |`."""
    return textwrap.indent(bench_engine.random_dag(n, seed, width), "  ")


def dag_yaml(n: int, folder: Path) -> Path:
    path = folder / f"dag{n}.yaml"
    if not path.exists():
        path.write_text(f"name: dag{n}\nprocessors: 4\npolicy: llmorch\nfunctions:\n"
                        "  - name: c\n    kind: compute\n    cost: 1.0\n"
                        "  - name: io\n    kind: inout\n    cost: 0.5\n"
                        f"plan: |\n{random_dag(n)}\n")
    return path


def row_sim(n: int, folder: Path, tree: Path | None = None, tag: str = "") -> Sample:
    wall, rss, out = _timed([sys.executable, "-m", "orchtui", "scenario",
                             str(dag_yaml(n, folder)), "--sim", "--headless", "--json",
                             "--processors", "4"], tree)
    assert json.loads(out)["status"] == "ok"
    return {f"sim_s{tag}": wall, f"sim_mb{tag}": rss}


# -- row "tui" ---------------------------------------------------------------------------------
def tui_real_seo() -> Sample:
    """The SEO scenario, real: headless and with the TUI attached, makespan of each; run
    headless, attached, attached, headless (the mean of each pair), so that neither gains from
    going first or from the host's drift. The bench polls with asyncio.sleep, not the pilot's
    pause(), which would also compose a frame at every poll."""
    from orchtui.tui.app import AppOptions, OrchApp

    sc = load_scenario(ROOT / "scenarios" / "seo_audit.yaml")

    async def attached() -> tuple[float, float]:
        app = OrchApp(sc, AppOptions(mode="real", seed=None))
        async with app.run_test(size=(120, 36)) as pilot:
            deadline = time.monotonic() + 300
            while not app.timeline.cursor and time.monotonic() < deadline:  # the run began
                await asyncio.sleep(0.005)
            cpu, wall = time.process_time(), time.perf_counter()
            while not app.finished and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            cpu_rate = (time.process_time() - cpu) / (time.perf_counter() - wall)
            makespan = app.record.makespan or math.nan
            await pilot.press("q")
        return makespan, cpu_rate

    # and this process's CPU seconds a wall second while the run goes on (the UI and the
    # engine's thread; the calls run in worker processes): what the UI takes from the calls'
    # CPUs, measured with less noise than the makespan
    times: dict[str, list[float]] = {k: [] for k in ("headless_s", "attached_s",
                                                     "headless_cpu", "attached_cpu")}
    for key in ("headless", "attached", "attached", "headless"):
        makespan, cpu_rate = measured_run(sc, sc.policy, sc.processors) if key == "headless" \
            else asyncio.run(attached())
        times[f"{key}_s"].append(makespan)
        times[f"{key}_cpu"].append(cpu_rate)
    return {key: statistics.mean(values) for key, values in times.items()}


class _FiftyThousand:
    """A live run (real mode: events shown as they come) that emits a recorded event stream at
    `rate` events per wall second, in one-millisecond bursts. Each burst is unpickled as it is
    emitted: the UI gets new event objects, allocated during the run as an engine's are (the
    collector then has them to scan, as it would), not ones that existed before it began."""

    BURST = 0.001  # seconds

    def __init__(self, events: list, rate: float) -> None:
        self.recorded = events
        size = max(1, int(rate * self.BURST))
        self.bursts = [pickle.dumps(events[n:n + size]) for n in range(0, len(events), size)]
        self.rate = rate
        self.cancelled = False
        self.t_end = 0.0

        class _Executor:
            mode = "real"

            def close(self) -> None:
                pass

        self.executor = _Executor()

    def graph_event(self):  # an engine event: GraphReady
        from orchtui.engine import events as ev

        return next(e for e in self.recorded if isinstance(e, ev.GraphReady))

    def cancel(self) -> None:
        self.cancelled = True

    def events(self) -> Iterator:
        t0 = time.perf_counter()
        for n, burst in enumerate(self.bursts):
            wait = t0 + n * self.BURST - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            if self.cancelled:
                return
            yield from pickle.loads(burst)
        self.t_end = time.perf_counter()


def layered_plan(ranks: int = 10, width: int = 500, seed: int = 3) -> str:
    """ranks × width calls, each using 1–2 calls of the rank before: many events, and a graph
    the FRG panel lays out in about a second (a random DAG of as many calls is thousands of
    ranks deep, and its layout alone takes minutes and gigabytes)."""
    rng = random.Random(seed)
    lines = []
    for r in range(ranks):
        for w in range(width):
            i = r * width + w + 1
            deps = [] if r == 0 else sorted({(r - 1) * width + rng.randint(1, width)
                                             for _ in range(rng.randint(1, 2))})
            fn = "c" if rng.random() < 0.5 else "io"
            lines.append(f"s{i}: {fn}({', '.join(f's{d}' for d in deps)})")
    return "\n".join(lines)


def tui_keeps_up(rate: float = 50_000.0) -> Sample:
    """Events a second the UI shows from a live source producing `rate` a second, counted from
    when the graph is on screen (its layout is done once, before the run, and is not event
    handling) to when the UI has shown the last event; and how long after the source's last
    event that was (the UI keeps up when this is about a frame).

    The bench polls with asyncio.sleep: the pilot's pause() would also compose a frame at every
    poll, which a terminal does not (Textual composes when a widget asks, at most 60 a second)."""
    from orchtui.engine import events as ev
    from orchtui.tui.app import AppOptions, OrchApp

    text = layered_plan()
    sc = Scenario(name="layers", plan=parse_plan(text), plan_text=text, processors=4,
                  functions=(FunctionSpec("c", "compute", cost=1.0),
                             FunctionSpec("io", "inout", cost=0.5)))
    events = list(make_run(sc, mode="sim", processors=4).events())
    after_graph = next(n for n, e in enumerate(events) if isinstance(e, ev.GraphReady)) + 1
    source = _FiftyThousand(events, rate)

    async def go() -> tuple[float, float]:
        app = OrchApp(sc, AppOptions(mode="real", seed=None),
                      run_factory=lambda _options: source)  # type: ignore[arg-type,return-value]
        async with app.run_test(size=(120, 36)) as pilot:
            deadline = time.perf_counter() + 300
            while len(app.shown) < after_graph and time.perf_counter() < deadline:
                await asyncio.sleep(0.002)
            t0 = time.perf_counter()
            while len(app.shown) < len(events) and time.perf_counter() < deadline:
                await asyncio.sleep(0.002)
            done = time.perf_counter()
            await pilot.press("q")
        return done - t0, done - source.t_end

    took, lag = asyncio.run(go())
    return {"ui_events_per_s": (len(events) - after_graph) / took, "ui_lag_s": lag,
            "source_events_per_s": rate}


TUI_PARTS: dict[str, Callable[[], Sample]] = {"seo": tui_real_seo, "keep_up": tui_keeps_up}


def row_tui(tree: Path | None = None, tag: str = "") -> Sample:
    """Each part in a fresh interpreter with the tree's orchtui, as the command runs one app
    per process (and a second app in one process would start with the first one's heap)."""
    s: Sample = {}
    for part in TUI_PARTS:
        out = _timed([sys.executable, str(Path(__file__).resolve()), "--tui-part", part],
                     tree)[2]
        s.update({k + tag: v for k, v in json.loads(out.strip().splitlines()[-1]).items()})
    return s


# -- reporting -----------------------------------------------------------------------------------
def _cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def med(samples: list[Sample], key: str) -> float:
    return statistics.median(s[key] for s in samples if key in s)


def ratio(samples: list[Sample], a: str, b: str) -> tuple[float, float, float]:
    """Median, min and max of the same-round ratio a/b."""
    r = [s[a] / s[b] for s in samples if a in s and b in s]
    return statistics.median(r), min(r), max(r)


def fmt_ratio(samples: list[Sample], a: str, b: str) -> str:
    m, lo, hi = ratio(samples, a, b)
    return f"{m:.2f}× ({lo:.2f}–{hi:.2f})"


def report(rows: dict[str, list[Sample]], compare: bool) -> None:
    print(f"\nmedians of {max(len(v) for v in rows.values())} interleaved rounds; ratios are "
          "taken within each round (median, range); host: "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
    if "calls" in rows:
        s = rows["calls"]
        print("\n1,000 no-op compute calls, real, P=2, per call (goal: ≤ 2× the Pipe, ≤ ½ of "
              "LLMCompiler+ProcessPool)")
        print(f"  raw Pipe round trip          {med(s, 'pipe_us'):7.0f} µs")
        print(f"  LLMCompiler+ProcessPool      {med(s, 'llmcompiler_pool_us'):7.0f} µs")
        for k, name in (("llmorch_us", "orchtui llmorch"),
                        ("critical_path_us", "orchtui critical-path")):
            print(f"  {name:28s} {med(s, k):7.0f} µs   = {fmt_ratio(s, k, 'pipe_us')} the pipe, "
                  f"{fmt_ratio(s, k, 'llmcompiler_pool_us')} LLMCompiler+ProcessPool")
    if "eight" in rows:
        s = rows["eight"]
        print("\n8 equal CPU-bound calls, real, P=2 (goal: within 3% of plain pinned processes)")
        print(f"  plain pinned processes       {med(s, 'plain_s'):7.3f} s")
        for k, name in (("llmorch_s", "orchtui llmorch"),
                        ("critical_path_s", "orchtui critical-path"),
                        ("llmcompiler_pool_s", "LLMCompiler+ProcessPool")):
            print(f"  {name:28s} {med(s, k):7.3f} s   {fmt_ratio(s, k, 'plain_s')} plain")
    if "startup" in rows:
        s = rows["startup"]
        print("\nstart-up, seconds of wall time that are not the run (goal: scenario --headless "
              "≤ 0.3 s beyond the makespan, plan ≤ 0.25 s)")
        print(f"  bare python -c pass          {med(s, 'python_s'):7.3f} s")
        print(f"  multiprocessing Pool(2)      {med(s, 'multiprocessing_s'):7.3f} s")
        for k, name in (("plan_s", "orchtui plan"),
                        ("sim_headless_s", "scenario --sim --headless"),
                        ("real_beyond_makespan_s", "scenario --headless (real)")):
            line = f"  {name:28s} {med(s, k):7.3f} s"
            if compare:
                line += f"   compare tree {med(s, k + '_cmp'):7.3f} s  (now/then " \
                        f"{fmt_ratio(s, k, k + '_cmp')})"
            print(line)
    if "sim" in rows:
        s = rows["sim"]
        print("\nsim, 100,000-call random DAG, P=4, the whole command (goal: ≤ 3 s, ≤ 250 MB)")
        line = f"  wall {med(s, 'sim_s'):.2f} s, peak {med(s, 'sim_mb'):.0f} MB"
        if compare:
            line += (f"   compare tree: {med(s, 'sim_s_cmp'):.2f} s, "
                     f"{med(s, 'sim_mb_cmp'):.0f} MB "
                     f"(now/then {fmt_ratio(s, 'sim_s', 'sim_s_cmp')})")
        print(line)
    if "tui" in rows:
        s = rows["tui"]
        print("\nTUI (goal: attached ≤ +5% over headless on real SEO; the UI keeps up with "
              "50,000 events/s)")
        print(f"  real SEO headless {med(s, 'headless_s'):.3f} s, attached "
              f"{med(s, 'attached_s'):.3f} s: attached/headless "
              f"{fmt_ratio(s, 'attached_s', 'headless_s')}; this process's CPU a second of "
              f"run time: headless {med(s, 'headless_cpu') * 1e3:.0f} ms, attached "
              f"{med(s, 'attached_cpu') * 1e3:.0f} ms")
        print(f"  a live source at 50,000 events/s: the UI showed "
              f"{med(s, 'ui_events_per_s'):,.0f} events/s, the last "
              f"{med(s, 'ui_lag_s') * 1e3:.0f} ms after the source's last")
        if compare:
            print(f"  compare tree: real SEO headless {med(s, 'headless_s_cmp'):.3f} s, attached "
                  f"{med(s, 'attached_s_cmp'):.3f} s: attached/headless "
                  f"{fmt_ratio(s, 'attached_s_cmp', 'headless_s_cmp')}; CPU a second of run time: "
                  f"headless {med(s, 'headless_cpu_cmp') * 1e3:.0f} ms, attached "
                  f"{med(s, 'attached_cpu_cmp') * 1e3:.0f} ms")
            print(f"  compare tree: the UI showed {med(s, 'ui_events_per_s_cmp'):,.0f} events/s, "
                  f"the last {med(s, 'ui_lag_s_cmp') * 1e3:.0f} ms after the source's last")


ROWS = ("calls", "eight", "startup", "sim", "tui")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default=",".join(ROWS), help=f"comma-separated: {','.join(ROWS)}")
    ap.add_argument("--units", type=int, default=20,
                    help="burn units per CPU-bound call (about 12 ms each)")
    ap.add_argument("--sim-calls", type=int, default=100_000)
    ap.add_argument("--compare-tree", type=Path,
                    help="an older checkout: the start-up, sim and tui rows run it too, same "
                    "rounds")
    ap.add_argument("--tui-part", choices=TUI_PARTS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.tui_part:  # one part of the row "tui", in this fresh process: its sample as JSON
        print(json.dumps(TUI_PARTS[args.tui_part]()))
        return 0
    only = [r.strip() for r in args.only.split(",") if r.strip()]
    folder = Path(tempfile.mkdtemp(prefix="orchtui-bench-"))
    if {"startup", "sim", "tui"} & set(only):
        warm_bytecode([ROOT, *([args.compare_tree.resolve()] if args.compare_tree else [])])
    rows: dict[str, list[Sample]] = {r: [] for r in only}
    for n in range(args.rounds):
        print(f"round {n + 1}/{args.rounds}", file=sys.stderr, flush=True)
        for r in only:
            if r == "calls":
                rows[r].append(row_calls())
            elif r == "eight":
                rows[r].append(row_eight(args.units))
            elif r == "startup":
                s = row_startup()
                if args.compare_tree:
                    s.update(row_startup(args.compare_tree.resolve(), "_cmp"))
                rows[r].append(s)
            elif r == "sim":
                s = row_sim(args.sim_calls, folder)
                if args.compare_tree:
                    s.update(row_sim(args.sim_calls, folder, args.compare_tree.resolve(), "_cmp"))
                rows[r].append(s)
            elif r == "tui":
                s = row_tui()
                if args.compare_tree:
                    s.update(row_tui(args.compare_tree.resolve(), "_cmp"))
                rows[r].append(s)
            print(f"  {r}: {rows[r][-1]}", file=sys.stderr, flush=True)
    report(rows, bool(args.compare_tree))
    return 0


if __name__ == "__main__":
    sys.exit(main())
