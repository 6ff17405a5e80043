"""Call every scenario function once, in-process, and print its duration and a preview.

    .venv/bin/python scenarios/check_functions.py [--only NAME ...] [--repeat N] [--scaling]

Runs pinned to one CPU with BLAS/OpenMP limited to one thread, like orchtui's compute workers,
so the durations calibrate the scenarios' ``cost`` values. Reports wall time and CPU time (CPU time,
children included, is the better guide when something else is running on the machine). ``--scaling``
also runs 8 ``stereo`` calls on one pinned process and then on two (one per CPU).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lib import arith, cipher, files, llm, news, pytool, stereo, web, wiki  # noqa: E402


def _preview(value: object, width: int = 150) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _cpu_seconds() -> float:
    """CPU time of this process plus its finished children (python() runs scripts in one)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


def _stereo_worker(args: tuple[int, int]) -> tuple[int, float]:
    cpu, pair = args
    _pin(cpu)
    t = time.perf_counter()
    stereo.stereo(pair)
    return pair, time.perf_counter() - t


def _run_stereo_batch(cpus: list[int], calls: int = 8) -> float:
    """``calls`` stereo calls on one single-process pool per CPU (like pinned workers)."""
    pools = [ProcessPoolExecutor(max_workers=1) for _ in cpus]
    try:
        for pool, cpu in zip(pools, cpus, strict=True):  # warm up (process start, imports)
            pool.submit(_pin, cpu).result()
        t0 = time.perf_counter()
        futs = [pools[i % len(cpus)].submit(_stereo_worker, (cpus[i % len(cpus)], i + 1))
                for i in range(calls)]
        for f in futs:
            f.result()
        return time.perf_counter() - t0
    finally:
        for pool in pools:
            pool.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="names of checks to run (default: all)")
    ap.add_argument("--scaling", action="store_true",
                    help="also time 8 stereo calls on 1 vs 2 CPUs")
    ap.add_argument("--repeat", type=int, default=1, help="runs per check; the minimum counts")
    ap.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: the last one)")
    ns = ap.parse_args()
    allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
    cpu = ns.cpu if ns.cpu is not None else allowed[-1]

    page = web.search("https://www.openai.com/", latency=0)
    apple = web.search("https://www.apple.com/", latency=0)
    items = news.read_news(latency=0)
    checks = [
        # name, kind, callable
        ("web.search", "inout", lambda: web.search("https://www.openai.com/")),
        ("llm.chatbot", "compute", lambda: llm.chatbot(
            "I need an SEO optimization example for a technology company home page.")),
        ("pytool.python seo.py", "compute", lambda: pytool.python("seo.py", [page])),
        ("pytool.python con.py", "compute", lambda: pytool.python("con.py", [page])),
        ("stereo.stereo", "compute", lambda: stereo.stereo("000001.png")),
        ("arith.average", "inout", lambda: arith.average([1.5, 2.5, -3.0, 4.0])),
        ("arith.difference", "inout", lambda: arith.difference(2.5, -1.25)),
        ("news.read_news", "inout", lambda: news.read_news("data/news.jsonl", 1000)),
        ("news.embed", "compute", lambda: news.embed(items)),
        ("news.topics", "compute", lambda: news.topics(items)),
        ("files.write", "inout", lambda: files.write("check/result.json", {"ok": True})),
        ("pytool.python analyze.py", "compute",
         lambda: pytool.python("analyze.py", ["history.txt"])),
        ("pytool.python content.py", "compute", lambda: pytool.python("content.py", [apple])),
        ("pytool.python user.py", "compute", lambda: pytool.python("user.py", [apple])),
        ("cipher.aes video", "compute",
         lambda: cipher.aes("encrypt", "myvideo.mp4", "correct horse battery staple")),
        ("cipher.aes chat", "compute",
         lambda: cipher.aes("encrypt", "chat.txt", "correct horse battery staple")),
        ("wiki.search k=500", "inout", lambda: wiki.search("Florida")),
        ("wiki.search k=1000", "inout", lambda: wiki.search("Florida", k=1000)),
        ("wiki.extract_number", "helper", lambda: wiki.extract_number(
            wiki.search("Florida", k=1000, latency=0), "population")),
        ("wiki.search movie", "inout", lambda: wiki.search("Inception")),
        ("wiki.summarize", "inout", lambda: wiki.summarize(
            wiki.search("Titanic", latency=0), wiki.search("Toy Story", latency=0))),
    ]
    cipher.ensure_inputs()  # first-use generation is not part of an aes call's cost
    _pin(cpu)
    print(f"pinned to CPU {cpu}; BLAS/OpenMP threads = 1")
    print(f"{'function':26} {'kind':8} {'wall s':>7} {'cpu s':>7}  preview")
    for name, kind, fn in checks:
        if ns.only and not any(o in name for o in ns.only):
            continue
        wall = cpu_s = float("inf")
        for _ in range(ns.repeat):
            t0, c0 = time.perf_counter(), _cpu_seconds()
            try:
                value = fn()
            except Exception as exc:  # report and go on: this is a calibration tool
                value = f"ERROR {type(exc).__name__}: {exc}"
            wall = min(wall, time.perf_counter() - t0)
            cpu_s = min(cpu_s, _cpu_seconds() - c0)
        print(f"{name:26} {kind:8} {wall:7.2f} {cpu_s:7.2f}  {_preview(value)}")

    if ns.scaling:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, set(allowed))
        one = _run_stereo_batch(allowed[:1])
        two = _run_stereo_batch(allowed[:2]) if len(allowed) > 1 else float("nan")
        print(f"8 x stereo: 1 pinned CPU {one:.2f} s; 2 pinned CPUs {two:.2f} s; "
              f"speedup {one / two:.2f}x")


if __name__ == "__main__":
    main()
