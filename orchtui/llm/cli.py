"""Glue for `orchtui scenario`: the model options, and `prepare`, which turns a scenario and
the parsed options into everything a run needs from the model side.

    add_llm_options(parser)
    setup = prepare(scenario, args)          # may raise OrchError: the CLI exits 2
    run = setup.make_run(mode, processors=..., cpus=..., compute=..., seed=...)
    for event in run.events(): ...
    run.executor.close()

Without --llm, nothing touches the network: the plan is the scenario's recorded `plan` (or its
recorded `translate` replies, if it has no plan), runtime repairs come from its recorded
`repair_call` replies, and the chatbot/math/self functions answer from its recorded replies.
Such runs are labelled "recorded". With --llm, every model call is real and measured.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, replace
from typing import Any

from orchtui.engine import events as ev
from orchtui.engine.runner import Repairer, RunOptions
from orchtui.engine.session import allocate, make_executor, make_run
from orchtui.errors import OrchError
from orchtui.executors.base import Executor
from orchtui.functions import context as fctx
from orchtui.llm.backend import ChatBackend
from orchtui.llm.config import DEFAULT_TIMEOUT, LLMConfig
from orchtui.llm.recorded import RecordedBackend
from orchtui.llm.repair import LLMRepairer
from orchtui.llm.translate import translate
from orchtui.scenario.model import Scenario

STREAM_POLICY = "llmcompiler"  # streaming dispatch is LLMCompiler's; LLMOrch plans first
LOOP_POLICIES = ("react", "parallelfc")  # with --llm these run their own model loops


def add_llm_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("model (any OpenAI-compatible endpoint; the key comes from "
                                  "OPENAI_API_KEY only)")
    g.add_argument("--llm", action="store_true",
                   help="use a live model: translate the query instead of using the recorded "
                        "plan, repair with it, let functions ask it; react and parallelfc run "
                        "their real ReAct / tool-calling loops")
    g.add_argument("--stream", action="store_true",
                   help="with --llm: parse the plan as it streams and start each call as soon "
                        "as it is complete (LLMCompiler's streaming; policy llmcompiler)")
    g.add_argument("--model", metavar="NAME",
                   help="model name (default: $ORCHTUI_MODEL, else gpt-4o-mini)")
    g.add_argument("--base-url", metavar="URL",
                   help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 "
                        "(default: $OPENAI_BASE_URL, else OpenAI)")
    g.add_argument("--llm-timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help="deadline for each whole model reply, streamed or not, retries "
                        f"included (default {DEFAULT_TIMEOUT:g} s)")
    g.add_argument("--repairs", type=_count, default=2, metavar="N",
                   help="compile-time recovery: repair prompts for a plan that does not parse "
                        "(default 2)")
    g.add_argument("--retranslations", type=_count, default=2, metavar="M",
                   help="compile-time recovery: fresh translations at rising temperature after "
                        "the repairs (default 2)")
    g.add_argument("--recovery-attempts", type=_count, default=2, metavar="K",
                   help="runtime recovery: attempts before the run gives up (default 2)")


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return n


@dataclass(frozen=True)
class LLMSetup:
    scenario: Scenario  # with its plan: translated with --llm, else the recorded one
    prelude: tuple[ev.Event, ...]  # TurnStarted/TurnFinished, TranslationAttempt, ...
    repairer: Repairer | None
    plan_source: str  # "llm" | "recorded"
    llm_label: str  # the model's name | "recorded" | "none"
    live: bool
    stream: bool = False
    policy: str = "llmorch"
    recovery_attempts: int = 2
    backend: ChatBackend | None = None
    seconds_before_run: float = 0.0  # wall time spent translating before the run began

    def run_options(self, processors: int, compute: str = "serial", seed: int | None = None
                    ) -> RunOptions:
        return RunOptions(policy=self.policy, processors=processors, compute=compute,
                          seed=seed, recovery_attempts=self.recovery_attempts,
                          plan_source=self.plan_source, llm_label=self.llm_label,
                          transient_faults=True)

    @property
    def run_kind(self) -> str:
        """Which run make_run builds: "run" (orchtui.engine.runner.Run), "stream"
        (StreamingRun), "react" (ReActRun) or "parallelfc" (ParallelFCRun)."""
        if self.live and self.backend is not None and self.policy in LOOP_POLICIES:
            return self.policy
        if self.stream and self.backend is not None:
            return "stream"
        return "run"

    def make_run(self, mode: str, processors: int | None = None,
                 cpus: str | tuple[int, ...] | None = None, compute: str = "serial",
                 seed: int | None = None, memory_limit_mb: int | None = None,
                 scheduler: str | None = None) -> Any:
        """The run to iterate, built like orchtui.engine.session.make_run: a Run, or with --llm
        a StreamingRun (--stream), ReActRun or ParallelFCRun. All have `.events()`,
        `.executor` (the caller closes it) and `.cancel()`. The clock starts when translation
        began, so a live plan-ahead run's makespan includes its planning turn, as the
        baselines' include theirs."""
        sc = self.scenario
        kind = self.run_kind
        if kind == "run":
            run = make_run(sc, mode, self.policy, processors, cpus, compute, seed,
                           self.repairer, memory_limit_mb, scheduler,
                           recovery_attempts=self.recovery_attempts,
                           plan_source=self.plan_source, llm_label=self.llm_label,
                           transient_faults=True)
            run.prelude = list(self.prelude)
            if self.live:
                warm_model_clients(run.executor, sc)
            start_clock_at(run.executor, self.seconds_before_run)
            return run
        if scheduler or mode != "real":
            raise OrchError("--llm with react or parallelfc, and --stream, measure real model "
                            "turns against real calls: they run on the real executor (not "
                            "--sim, not Dask)")
        alloc = allocate(processors, cpus, mode, sc.processors)
        opts = self.run_options(alloc.processors, compute, seed)
        executor = make_executor(sc, mode, alloc, compute, memory_limit_mb)
        try:
            warm_model_clients(executor, sc)
            if kind == "stream":
                from orchtui.llm.streaming import StreamingRun

                return StreamingRun(sc, executor, opts, self.backend)  # type: ignore[arg-type]
            from orchtui.llm.baselines import ParallelFCRun, ReActRun

            cls = ReActRun if kind == "react" else ParallelFCRun
            return cls(sc, executor, opts, self.backend)  # type: ignore[arg-type]
        except BaseException:
            executor.close()
            raise


def warm_model_clients(executor: Executor, scenario: Scenario, timeout: float = 60.0) -> None:
    """Build the `openai` client in each compute worker before the run's clock starts.

    A live compute call of math/chatbot/self needs the client in its worker, and importing
    `openai` takes about a second: paid inside the run, it would delay the first such call on
    each processor for reasons that belong to no policy. This runs the functions' context
    hook as a job on each worker of a real executor, then restarts the executor's clock."""
    pool = getattr(executor, "pool", None)
    if pool is None or not hasattr(executor, "t0") or fctx.engine_mode() != fctx.LIVE:
        return  # the sim, an executor without local workers, or recorded replies
    hooks = [f for f in scenario.functions if f.kind == "compute" and f.impl
             and f.impl.startswith("orchtui.functions")
             and f.impl.rpartition(":")[2] in fctx.MODEL_FUNCTIONS]
    if not hooks:
        return
    ctx = fctx.call_context(scenario, None, 0.0, "compute", hooks[0].impl)
    for n, cpu in enumerate(executor.cpus):
        pool.submit(f"warm:{n}", frozenset({cpu}), "orchtui.functions.context:activate", None,
                    (ctx,), {}, timeout)
    while pool.pending():
        pool.poll(1.0)
    executor.t0 = time.perf_counter()  # type: ignore[attr-defined]


def start_clock_at(executor: Executor, seconds: float) -> None:
    """Make the executor's clock read `seconds` now: time spent before it opened (translating)
    counts in the run."""
    if seconds <= 0:
        return
    if hasattr(executor, "t0"):  # real: perf_counter-based
        executor.t0 -= seconds  # type: ignore[attr-defined]
    elif hasattr(executor, "t"):  # sim: virtual seconds
        executor.t = max(executor.t, seconds)  # type: ignore[attr-defined]


def prepare(scenario: Scenario, args: argparse.Namespace) -> LLMSetup:
    """Everything the model side gives a run. Raises OrchError (LLMError, TranslationFailed)
    with a one-line message when the model cannot be reached or no valid plan comes of every
    attempt; the CLI prints it and exits 2."""
    live = bool(getattr(args, "llm", False))
    stream = bool(getattr(args, "stream", False))
    policy = getattr(args, "policy", None) or scenario.policy
    repairs = getattr(args, "repairs", 2)
    retranslations = getattr(args, "retranslations", 2)
    attempts = getattr(args, "recovery_attempts", 2)
    if stream and not live:
        raise OrchError("--stream goes with --llm: it streams the live model's plan")
    if stream:
        if getattr(args, "policy", None) not in (None, STREAM_POLICY):
            raise OrchError(f"--stream dispatches calls as the plan streams in, which is "
                            f"LLMCompiler's way: use --policy {STREAM_POLICY} (or leave it out)")
        policy = STREAM_POLICY

    if not live:
        fctx.configure(fctx.RECORDED)
        recorded = RecordedBackend(scenario.recorded)
        label = "recorded" if scenario.recorded else "none"
        prelude: tuple[ev.Event, ...] = ()
        if scenario.plan is None:
            if not recorded.has("translate"):
                raise OrchError("the scenario has no plan: translate its query with --llm")
            tr = translate(scenario, recorded, repairs=repairs, retranslations=retranslations,
                           strict=getattr(args, "strict", False))
            scenario, prelude = scenario.with_plan(tr.plan, tr.text), tr.events
        repairer = LLMRepairer(recorded) if recorded.has("repair_call") else None
        return LLMSetup(scenario, prelude, repairer, "recorded", label, live=False,
                        policy=policy, recovery_attempts=attempts, backend=recorded)

    from orchtui.llm.openai_backend import OpenAIBackend

    config = LLMConfig.from_env(getattr(args, "model", None), getattr(args, "base_url", None),
                                timeout=getattr(args, "llm_timeout", None))
    fctx.configure(fctx.LIVE, config)
    backend = OpenAIBackend(config)
    # Turns are real model calls now: the scenario's modelled turn length would count twice.
    scenario = replace(scenario, llm_turn=0.0)
    repairer = LLMRepairer(backend)
    common = dict(live=True, stream=stream, policy=policy, recovery_attempts=attempts,
                  backend=backend)
    if policy in LOOP_POLICIES or stream:
        # ReAct and tool calling pick calls turn by turn; streaming translates during the run.
        return LLMSetup(scenario, (), repairer, "llm", config.model, **common)
    if not scenario.query.strip():
        raise OrchError("--llm translates the scenario's query, and this scenario has none")
    tr = translate(scenario, backend, repairs=repairs, retranslations=retranslations,
                   temperature=config.temperature, strict=getattr(args, "strict", False))
    return LLMSetup(scenario.with_plan(tr.plan, tr.text), tr.events, repairer, "llm",
                    config.model, seconds_before_run=tr.seconds, **common)


def run_factory(setup: LLMSetup) -> Any:
    """A RunFactory for orchtui.tui (`OrchApp(run_factory=...)`): builds each run of the app
    from its options (mode, processors, cpus, compute, seed, memory_limit_mb) through
    `setup.make_run`, so the TUI shows translation attempts and recoveries."""
    def build(options: Any) -> Any:
        return setup.make_run(options.mode, processors=getattr(options, "processors", None),
                              cpus=getattr(options, "cpus", None),
                              compute=getattr(options, "compute", "serial"),
                              seed=getattr(options, "seed", None),
                              memory_limit_mb=getattr(options, "memory_limit_mb", None))
    return build
