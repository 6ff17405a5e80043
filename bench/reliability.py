"""The README's reliability figures: bad inputs tried, faults survived, runs, leaks found.

    .venv/bin/python bench/reliability.py                 # everything, full size (~15 min)
    .venv/bin/python bench/reliability.py --quick         # small numbers (~3 min)
    .venv/bin/python bench/reliability.py --only corpus,faults --json out.json
    .venv/bin/python bench/reliability.py --atheris 120   # also 2 x 120 s of atheris

Parts (all through the real `orchtui` CLI in fresh processes, unless said otherwise):
- corpus: every file of tests/bad_inputs through `orchtui scenario FILE --headless --sim` and
  `orchtui plan FILE`: exit 2, one line naming the location, no traceback, canary never made;
  plus the hostile-but-valid plans and the python(file=...) escapes in real runs.
- fuzz: hypothesis on parse_plan and load_scenario, in this process (and atheris, if asked).
- faults: every fault of tests/fault_scenarios under every policy (and the eager baselines).
- leaks: consecutive real runs in this process: file descriptors, processes, threads, RSS.
- signals: SIGINT/SIGTERM at random moments of real runs, to the CLI or its process group;
  and the same right after the process starts, before orchtui's code runs.
- large: the 10,000-call plan in the sim under every policy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fault_scenarios import harness as h  # noqa: E402

POLICIES = ("react", "parallelfc", "llmcompiler", "llmorch", "critical-path")
PARTS = ("corpus", "fuzz", "faults", "leaks", "signals", "large")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- corpus


def corpus(quick: bool) -> dict:
    files = h.corpus_files()
    if quick:
        files = files[::6]
    commands = {"scenario": lambda f: ["scenario", str(f), "--headless", "--sim"],
                "plan": lambda f: ["plan", str(f)]}
    h.clear_canary()

    def one(item: tuple[Path, str]) -> tuple[str, str, str | None, float]:
        path, command = item
        r = h.run_cli(commands[command](path))
        if r.returncode != 2:
            problem: str | None = f"exit {r.returncode}: {r.stderr[-200:]!r}"
        else:
            problem = h.check_error(r.stderr, path, h.expectation(path),
                                    prefix=command != "plan")
        if r.leftover:
            problem = f"left {h.describe(r.leftover)}"
        return str(path.relative_to(h.CORPUS)), command, problem, r.seconds

    items = [(f, c) for f in files for c in commands]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, items))
    failures = [{"file": f, "command": c, "problem": p} for f, c, p, _ in results if p]
    by_category = Counter(h.category(f) for f in files)

    valid = {}
    for name in ("hostile_strings.yaml", "hostile_compiler.yaml"):
        r = h.run_cli(["scenario", str(h.CORPUS / "valid" / name), "--headless", "--json"])
        valid[name] = r.returncode == 0 and not r.leftover
    with tempfile.TemporaryDirectory() as tmp:
        scenario = h.escape_sandbox(Path(tmp))
        r = h.run_cli(["scenario", str(scenario), "--headless", "--json"])
        calls = r.json()["calls"] if r.stdout else []
        escapes = {"attempts": sum(c["id"] != "s1" for c in calls),
                   "refused": sum(c["id"] != "s1" and c["status"] == "failed" for c in calls),
                   "allowed_call_done": any(c["id"] == "s1" and c["status"] == "done"
                                            for c in calls)}
    return {
        "files": len(files), "by_category": dict(sorted(by_category.items())),
        "invocations": len(items), "failures": failures,
        "median_seconds": sorted(s for *_, s in results)[len(results) // 2],
        "hostile_valid_ok": valid, "path_escapes": escapes,
        "canary_created": h.CANARY.exists(),
    }


# --------------------------------------------------------------------------- fuzz


def fuzz(quick: bool, atheris_seconds: int) -> dict:
    import test_reliability_fuzz as tf
    from hypothesis import HealthCheck, given, settings

    n = 200 if quick else 2000
    tmp = tempfile.TemporaryDirectory(prefix="orchtui-fuzz-")
    folder = Path(tmp.name)
    profile = settings(max_examples=n, deadline=None, database=None,
                       suppress_health_check=list(HealthCheck))
    targets = {
        "parse_plan(any text)": given(tf.st.text(max_size=400))(
            lambda text: tf.fuzz_plan(text)),
        "parse_plan(plan fragments)": given(tf.plan_like, tf.st.booleans())(
            lambda text, known: tf.fuzz_plan(text, tf.FUNCTIONS if known else None)),
        "load_scenario(any bytes)": given(tf.st.binary(max_size=600))(
            lambda data: tf.fuzz_loader(folder, data)),
        "load_scenario(YAML fragments)": given(tf.yaml_like)(
            lambda text: tf.fuzz_loader(folder, text)),
        "load_scenario(mutated seo_audit)": given(tf.mutated_seo())(
            lambda text: tf.fuzz_loader(folder, text)),
    }
    out: dict = {"hypothesis": {}}
    for name, test in targets.items():
        t0 = time.perf_counter()
        try:
            profile(test)()
            outcome = "ok"
        except Exception as exc:  # a finding: report it, keep going
            outcome = f"{type(exc).__name__}: {str(exc)[:300]}"
        out["hypothesis"][name] = {"examples": n, "outcome": outcome,
                                   "seconds": round(time.perf_counter() - t0, 1)}
    tmp.cleanup()
    if atheris_seconds:
        out["atheris"] = {}
        for target in ("plan", "scenario"):
            cmd = [sys.executable, str(ROOT / "bench" / "fuzz_atheris.py"), target,
                   f"-max_total_time={atheris_seconds}", "-max_len=4096"]
            with tempfile.TemporaryDirectory() as tmp:
                p = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, check=False)
            done = [line for line in p.stderr.splitlines() if "DONE" in line or "Done " in line]
            out["atheris"][target] = {"exit": p.returncode, "summary": done[-2:],
                                      "crash": p.returncode != 0 and p.stderr[-1500:]}
    return out


# --------------------------------------------------------------------------- faults


def faults(quick: bool) -> dict:
    combos = [(f, p, ()) for f in h.FAULT_MATRIX for p in POLICIES]
    combos += [(f, p, ("--compute", "eager")) for f in h.FAULT_MATRIX
               for p in ("parallelfc", "llmcompiler")]
    if quick:
        combos = [c for c in combos if c[1] == "llmorch" and not c[2]]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda c: h.run_fault(c[0], Path(tmp), c[1], c[2]), combos))
    rows = [{"fault": r.fault.name, "policy": r.policy + (" eager" if r.options else ""),
             "survived": r.problem() is None, "problem": r.problem(), "error": r.error,
             "seconds": round(r.result.seconds, 2),
             "helpers_gone_after_s": round(r.result.drain_seconds, 2)} for r in runs]
    errors = {}
    for r in runs:
        errors.setdefault(r.fault.name, r.error)
    return {"runs": len(rows), "survived": sum(r["survived"] for r in rows),
            "failures": [r for r in rows if not r["survived"]], "errors": errors,
            "max_helpers_gone_after_s": max(r["helpers_gone_after_s"] for r in rows),
            "rows": rows}


# --------------------------------------------------------------------------- leaks


def leaks(quick: bool) -> dict:
    report = h.leak_loop(20 if quick else 100)
    return {"runs": report.runs, "seconds": round(report.seconds, 1),
            "fds": report.fds, "children": report.children, "threads": report.threads,
            "rss_mb": report.rss_mb, "statuses": report.statuses,
            "lost_results": report.lost,
            "leaks_found": int(report.fds[1] != report.fds[0])
            + int(report.children[1] != report.children[0])
            + int(report.threads[1] != report.threads[0])}


# --------------------------------------------------------------------------- signals


def signals(quick: bool) -> dict:
    duration = h.run_seconds()
    rnd = random.Random(50)
    n = 10 if quick else 50
    outcomes = []
    for _ in range(n):
        sig = rnd.choice((signal.SIGINT, signal.SIGTERM))
        outcomes.append(h.signal_run(sig, rnd.uniform(0, duration), rnd.random() < 0.5))
    early = []  # right after exec, before orchtui's code installs its handlers
    for k in range(4 if quick else 20):
        sig = (signal.SIGINT, signal.SIGTERM)[k % 2]
        early.append(h.signal_run(sig, rnd.uniform(0, 0.15), bool(k // 2 % 2),
                                  wait_ready=False))

    def label(o: h.SignalOutcome) -> str:
        if (not o.clean and o.returncode in (-signal.SIGINT, -signal.SIGTERM)
                and not o.stderr.strip() and not o.leftover):
            return "killed by the signal, no output"  # before any handler: nothing started
        return o.outcome

    def tally(items: list[h.SignalOutcome]) -> dict:
        return dict(Counter(label(o) for o in items))

    exits = [o.exit_seconds for o in outcomes if o.exit_seconds is not None]
    return {"runs": n, "run_seconds": round(duration, 2), "outcomes": tally(outcomes),
            "clean": sum(o.clean for o in outcomes),
            "max_exit_seconds": round(max(exits), 3) if exits else None,
            "median_exit_seconds": round(sorted(exits)[len(exits) // 2], 3) if exits else None,
            "unclean": [{"signal": o.signal, "target": o.target, "delay": round(o.delay, 3),
                         "outcome": o.outcome} for o in outcomes if not o.clean],
            "before_startup": {"runs": len(early), "outcomes": tally(early),
                               "leftover": sum(bool(o.leftover) for o in early)}}


# --------------------------------------------------------------------------- large


def large(quick: bool) -> dict:
    path = h.CORPUS / "valid" / "plan_10000.yaml"
    out = {}
    r = h.run_cli(["plan", str(path), "--json"], timeout=300)
    out["plan --json"] = {"exit": r.returncode, "wall_s": round(r.seconds, 2),
                          "cpu_s": round(r.cpu_seconds, 2)}
    for policy in ("llmorch",) if quick else POLICIES:
        r = h.run_cli(["scenario", str(path), "--headless", "--sim", "--json", "--policy",
                       policy], timeout=300)
        data = r.json() if r.returncode == 0 else {}
        out[policy] = {"exit": r.returncode, "wall_s": round(r.seconds, 2),
                       "cpu_s": round(r.cpu_seconds, 2),
                       "calls_done": sum(c["status"] == "done" for c in data.get("calls", [])),
                       "makespan": data.get("makespan")}
    return out


# --------------------------------------------------------------------------- report


def markdown(results: dict) -> str:
    lines = ["| what | figure |", "|---|---|"]
    if c := results.get("corpus"):
        cats = ", ".join(f"{k} {v}" for k, v in c["by_category"].items())
        lines.append(f"| bad inputs (corpus) | {c['files']} files ({cats}); "
                     f"{c['invocations']} CLI runs, {len(c['failures'])} wrong; "
                     f"canary created: {'yes' if c['canary_created'] else 'no'} |")
        e = c["path_escapes"]
        lines.append(f"| python(file=...) escapes | {e['refused']}/{e['attempts']} refused |")
    if f := results.get("fuzz"):
        total = sum(v["examples"] for v in f["hypothesis"].values())
        bad = [k for k, v in f["hypothesis"].items() if v["outcome"] != "ok"]
        lines.append(f"| fuzzed inputs (hypothesis) | {total}, findings: {len(bad)} |")
        for target, a in f.get("atheris", {}).items():
            lines.append(f"| atheris {target} | {' '.join(a['summary'])} exit {a['exit']} |")
    if f := results.get("faults"):
        lines.append(f"| faults survived | {f['survived']}/{f['runs']} real runs |")
    if lk := results.get("leaks"):
        lines.append(f"| leaks over {lk['runs']} runs in one process | fds {lk['fds'][0]}→"
                     f"{lk['fds'][1]}, children {lk['children'][0]}→{lk['children'][1]}, "
                     f"threads {lk['threads'][0]}→{lk['threads'][1]}, RSS "
                     f"{lk['rss_mb'][0]}→{lk['rss_mb'][1]} MB: {lk['leaks_found']} leaks |")
    if s := results.get("signals"):
        lines.append(f"| signals | {s['clean']}/{s['runs']} clean {s['outcomes']}, exit within "
                     f"{s['max_exit_seconds']} s |")
    if g := results.get("large"):
        times = ", ".join(f"{k} {v['wall_s']} s" for k, v in g.items() if isinstance(v, dict))
        lines.append(f"| 10,000-call plan (sim) | {times} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small numbers, a few minutes")
    ap.add_argument("--only", help=f"comma-separated parts: {','.join(PARTS)}")
    ap.add_argument("--atheris", type=int, default=0, metavar="SECONDS",
                    help="also fuzz with atheris, SECONDS per target")
    ap.add_argument("--json", metavar="FILE", help="write every number as JSON")
    args = ap.parse_args()
    parts = args.only.split(",") if args.only else list(PARTS)
    results: dict = {"machine": {"cpus": os.cpu_count(),
                                 "allowed": len(os.sched_getaffinity(0)),
                                 "python": platform.python_version(),
                                 "load_avg_at_start": os.getloadavg()}}
    for part in parts:
        log(f"== {part}")
        t0 = time.perf_counter()
        if part == "fuzz":
            results[part] = fuzz(args.quick, args.atheris)
        else:
            results[part] = globals()[part](args.quick)
        results[part]["bench_seconds"] = round(time.perf_counter() - t0, 1)
    results["machine"]["load_avg_at_end"] = os.getloadavg()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    print(markdown(results))
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "rows"}
                      for k, v in results.items()}, indent=2, default=str))


if __name__ == "__main__":
    main()
