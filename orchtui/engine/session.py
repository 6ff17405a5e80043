"""Build runs the same way for every surface (headless CLI, TUI, sweeps, tests)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from orchtui.engine.runner import PlanStream, Repairer, Run, RunOptions, TurnTaker
from orchtui.errors import OrchError
from orchtui.executors.base import ContextHook, Executor
from orchtui.scenario.model import Scenario
from orchtui.text import counted


@dataclass(frozen=True)
class Allocation:
    """The processors a run gets: P of them, and their OS CPU ids in the real executor."""

    processors: int
    cpus: tuple[int, ...]


def allowed_cpus() -> tuple[int, ...]:
    return tuple(sorted(os.sched_getaffinity(0)))


def allocate(processors: int | None, cpus: str | tuple[int, ...] | None, mode: str,
             default: int, default_from: str = "") -> Allocation:
    """`--processors N` takes the first N allowed CPUs; `--cpus 0,2` names them. In the sim any
    N goes and the CPU ids are the indices. Without either, `default` (the scenario's
    `processors:`; `default_from` names the scenario in errors)."""
    if cpus:
        ids = parse_cpus(cpus) if isinstance(cpus, str) else tuple(cpus)
        if mode != "sim":
            bad = [c for c in ids if c not in allowed_cpus()]
            if bad:
                raise OrchError(f"--cpus: CPU {bad[0]} is not allowed for this process "
                                f"(allowed: {','.join(map(str, allowed_cpus()))})")
        if processors is not None and processors != len(ids):
            raise OrchError(f"--processors {processors} disagrees with --cpus ({len(ids)} CPUs)")
        return Allocation(len(ids), ids if mode != "sim" else tuple(range(len(ids))))
    n = processors if processors is not None else default
    if n < 1:
        raise OrchError("--processors must be at least 1")
    if mode == "sim":
        return Allocation(n, tuple(range(n)))
    allowed = allowed_cpus()
    if n > len(allowed):
        # name where n came from: the user may never have typed it
        asked = f"--processors {n}" if processors is not None else (
            f"{default_from or 'the scenario'} asks for {counted(n, 'processor')} "
            f"(processors: {n})")
        fewer = "" if processors is not None else f"--processors {len(allowed)}, or "
        raise OrchError(f"{asked}: only {counted(len(allowed), 'CPU')} "
                        f"{'is' if len(allowed) == 1 else 'are'} allowed here "
                        f"({','.join(map(str, allowed))}); use {fewer}--sim for more")
    return Allocation(n, allowed[:n])


MAX_LISTED = 4096  # a range like 1-10**9 must not allocate a billion ints


def parse_int_list(text: str, flag: str, example: str) -> list[int]:
    """Whole numbers and inclusive ranges, comma-separated: "0,2", "1-8", "1,2,4-6"."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part.lstrip("-"):
                lo, hi = (int(x) for x in part.split("-", 1))
                if hi - lo >= MAX_LISTED:
                    raise OrchError(f"{flag}: the range {part} is too long")
                out.extend(range(lo, hi + 1))
            elif part:
                out.append(int(part))
        except ValueError:
            raise OrchError(f"{flag}: {part!r} is not a number or range like {example}") from None
        if len(out) > MAX_LISTED:
            raise OrchError(f"{flag}: too many values")
    return out


def parse_cpus(text: str) -> tuple[int, ...]:
    ids = parse_int_list(text, "--cpus", "0,1 or 0-3")
    if not ids or len(set(ids)) != len(ids) or min(ids) < 0:
        raise OrchError(f"--cpus: {text!r} must name distinct CPU ids, like 0,1 or 0-3")
    return tuple(ids)


def function_context(scenario: Scenario) -> ContextHook:
    """What orchtui.functions need to know about the run, handed to the executor (which
    imports no function library) as a hook its workers run before each call."""
    from orchtui.functions.context import executor_hook

    return ContextHook(*executor_hook(scenario))


def make_executor(scenario: Scenario, mode: str, alloc: Allocation,
                  compute: str = "serial", memory_limit_mb: int | None = None,
                  scheduler: str | None = None) -> Executor:
    if mode == "sim":
        from orchtui.executors.sim import SimExecutor

        return SimExecutor(alloc.processors, scenario.oversubscription_penalty)
    if mode in ("real", "dask"):
        from orchtui.scenario.trust import require_trust

        require_trust(scenario)  # its impls are code: imported only once trusted
    if mode == "real":
        from orchtui.executors.real import RealExecutor

        limit = memory_limit_mb * 1024 * 1024 if memory_limit_mb else None
        return RealExecutor(scenario, alloc.cpus, memory_limit_bytes=limit,
                            context=function_context(scenario))
    if mode == "dask":
        from orchtui.executors.dask_executor import DaskExecutor

        limit = memory_limit_mb * 1024 * 1024 if memory_limit_mb else None
        return DaskExecutor(scenario, alloc.cpus, scheduler=scheduler, memory_limit_bytes=limit,
                            context=function_context(scenario))
    raise OrchError(f"unknown executor {mode!r}")


def make_run(scenario: Scenario, mode: str = "sim", policy: str | None = None,
             processors: int | None = None, cpus: str | tuple[int, ...] | None = None,
             compute: str = "serial", seed: int | None = None,
             repairer: Repairer | None = None, memory_limit_mb: int | None = None,
             scheduler: str | None = None, *, stream: PlanStream | None = None,
             turns: TurnTaker | None = None, **options) -> Run:
    """A ready-to-iterate run. The caller owns `run.executor` and must close it.
    `scheduler`: the address of an external Dask scheduler (mode "dask" only); its workers'
    CPUs are theirs, so any number of processors may be asked for."""
    if mode == "dask" and compute == "eager":
        raise OrchError("--compute eager leaves the baselines' compute calls to the OS to "
                        "time-share; a Dask worker runs one call at a time, so that baseline "
                        "would not be faithful there: use the local executor")
    if scheduler and mode != "dask":
        raise OrchError("--scheduler needs --executor dask")
    if scheduler and cpus:
        raise OrchError("--cpus names CPUs of this machine; with --scheduler the Dask workers "
                        "pin themselves (use --processors)")
    alloc = allocate(processors, cpus, "sim" if scheduler else mode, scenario.processors,
                     scenario.path.name if scenario.path else "")
    opts = RunOptions(policy=policy or scenario.policy, processors=alloc.processors,
                      compute=compute, seed=seed, **options)
    executor = make_executor(scenario, mode, alloc, compute, memory_limit_mb, scheduler)
    try:
        return Run(scenario, executor, opts, repairer, stream=stream, turns=turns)
    except BaseException:
        executor.close()
        raise


class RunMaker(Protocol):
    """Builds a run of `scenario` under `policy`: what the compare, sweep and what-if runs are
    built with. The one that built the run on screen hands out its own (cli/llm_setup.py), so
    that they get its plan source and runtime recovery; `make_run` alone is one too (no
    repairer: a failed call ends the run)."""

    def __call__(self, scenario: Scenario, *, mode: str, policy: str, processors: int,
                 compute: str = "serial", seed: int | None = None,
                 scheduler: str | None = None) -> Run: ...
