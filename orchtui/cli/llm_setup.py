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
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from orchtui.engine import events as ev
from orchtui.engine.runner import Repairer, Run, TurnTaker
from orchtui.engine.session import RunMaker, make_run
from orchtui.errors import OrchError
from orchtui.executors.base import Executor
from orchtui.functions import context as fctx
from orchtui.llm.backend import ChatBackend
from orchtui.llm.config import DEFAULT_TIMEOUT, LLMConfig
from orchtui.llm.prompts import translation_messages
from orchtui.llm.recorded import RecordedBackend
from orchtui.llm.repair import LLMRepairer
from orchtui.llm.translate import translate
from orchtui.scenario.model import Scenario

if TYPE_CHECKING:
    from orchtui.llm.streaming import StreamedPlan

STREAM_POLICIES = ("llmorch", "critical-path", "llmcompiler")  # plan-ahead: they can stream
LOOP_POLICIES = ("react", "parallelfc")  # with --llm their turns write the plan
DEFAULT_STREAM_RATE = 50.0  # tokens per second when a recorded reply is replayed


def add_llm_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("model (any OpenAI-compatible endpoint; the key comes from "
                                  "OPENAI_API_KEY only)")
    g.add_argument("--llm", action="store_true",
                   help="use a live model: translate the query instead of using the recorded "
                        "plan, repair with it, let functions ask it; react and parallelfc run "
                        "their real ReAct / tool-calling loops")
    g.add_argument("--stream", action="store_true",
                   help="schedule each call as soon as the model has written it, while the "
                        "plan streams (llmorch, critical-path, llmcompiler). With --llm the "
                        "model's stream; without, the recorded reply replayed at --stream-rate")
    g.add_argument("--stream-rate", type=_rate, default=None, metavar="TOKENS",
                   help=f"--stream without --llm: tokens per second at which the recorded "
                        f"reply is replayed (default {DEFAULT_STREAM_RATE:g})")
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


def _rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected tokens per second, got {text!r}") from None
    if not 0 < rate < float("inf"):
        raise argparse.ArgumentTypeError("must be above 0")
    return rate


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
    stream_rate: float = DEFAULT_STREAM_RATE
    temperature: float = 0.0
    strict: bool = False  # --strict: a streamed plan read leniently breaks the stream

    def plan_stream(self) -> StreamedPlan | None:
        """A fresh plan source for one run with --stream: the live model's stream, or the
        recorded reply replayed. None for a policy that plans call by call (the TUI's `p`
        may switch to one): it runs the plan whole, or from its own live turns."""
        if not self.stream or self.policy not in STREAM_POLICIES:
            return None
        from orchtui.llm.streaming import StreamedPlan  # only here: start-up (issue 15)

        sc = self.scenario
        names = [f.name for f in sc.functions]
        if self.live:
            assert self.backend is not None
            return StreamedPlan.live(self.backend, translation_messages(sc, self.dialect),
                                     names, self.temperature, self.strict)
        return StreamedPlan.replay(recorded_reply(sc), names, self.stream_rate,
                                   strict=self.strict)

    @property
    def dialect(self) -> str:
        """LLMCompiler is asked in its own planner's words and format."""
        return "llmcompiler" if self.policy == "llmcompiler" else "llmorch"

    def turn_taker(self) -> TurnTaker | None:
        """Live: the model takes the policy's turns (ReAct's thoughts, tool-calling rounds, a
        plan-ahead run's answer). Recorded: turns are modelled (the scenario's llm_turn)."""
        if not self.live or self.backend is None:
            return None
        # only here: the live agents are not a recorded run's start-up (issue 15)
        from orchtui.llm.agents import Answerer, ReActAgent, ToolCallingAgent

        if self.policy == "react":
            return ReActAgent(self.scenario, self.backend)
        if self.policy == "parallelfc":
            from orchtui.executors.workers import load_impl  # tools from the impls' signatures

            return ToolCallingAgent(self.scenario, self.backend, load=load_impl)
        return Answerer(self.scenario, self.backend)

    def make_run(self, mode: str, processors: int | None = None,
                 cpus: str | tuple[int, ...] | None = None, compute: str = "serial",
                 seed: int | None = None, memory_limit_mb: int | None = None,
                 scheduler: str | None = None) -> Run:
        """The run to iterate, built by orchtui.engine.session.make_run with this setup's plan
        source and model turns. The clock starts when translation began, so a live plan-ahead
        run's makespan includes its planning turn, as the baselines' include theirs."""
        sc = self.scenario
        stream = self.plan_stream()
        turns = self.turn_taker()
        if self.live and (mode != "real" or scheduler):
            raise OrchError("--llm measures real model turns against real calls: it runs on "
                            "the real executor (not --sim, not Dask)")
        run = make_run(sc, mode, self.policy, processors, cpus, compute, seed,
                       self.repairer, memory_limit_mb, scheduler,
                       recovery_attempts=self.recovery_attempts,
                       plan_source=self.plan_source, llm_label=self.llm_label,
                       transient_faults=True, stream=stream, turns=turns)
        run.prelude = list(self.prelude)
        try:
            if self.live:
                warm_model_clients(run.executor, sc)
            if self.seconds_before_run > 0:
                run.executor.start_clock_at(self.seconds_before_run)
        except BaseException:
            run.executor.close()
            raise
        return run

    def run_maker(self) -> RunMaker:
        """Runs of this setup's scenario (or an edit of it, or its plan as a trace rebuilt it)
        under any policy, built as this setup builds its own: the compare, sweep and what-if
        runs then recover from a failed call as the run on screen does (the one engine loop:
        recovery everywhere), and a streamed plan streams under the policies that can.

        They never ask a live model: with --llm, repairs come from the scenario's recorded
        replies, if it has any, and the plan is the one the model wrote (many sim runs must
        neither pay for nor wait on model calls)."""
        base = self if not self.live else self.recorded_twin()

        def make(scenario: Scenario, *, mode: str, policy: str, processors: int,
                 compute: str = "serial", seed: int | None = None,
                 scheduler: str | None = None) -> Run:
            # a scenario with neither a recorded reply nor a plan text (one a trace rebuilt)
            # has nothing to stream: its plan runs whole
            stream = base.stream and _has_reply(scenario)
            return replace(base, scenario=scenario, policy=policy, stream=stream).make_run(
                mode, processors=processors, compute=compute, seed=seed, scheduler=scheduler)
        return make

    def recorded_twin(self) -> LLMSetup:
        """This setup without its live model: the recorded repairs, no model turns, the plan
        whole, no time spent translating."""
        recorded = RecordedBackend(self.scenario.recorded)
        repairer = LLMRepairer(recorded) if recorded.has("repair_call") else None
        return replace(self, live=False, stream=False, backend=recorded, repairer=repairer,
                       seconds_before_run=0.0)


def _has_reply(scenario: Scenario) -> bool:
    try:
        recorded_reply(scenario)
    except OrchError:
        return False
    return True


def recorded_reply(scenario: Scenario) -> str:
    """The reply a replayed stream plays: the recorded translation, else the recorded plan."""
    entry = scenario.recorded.get("translate")
    if isinstance(entry, list) and entry:
        entry = entry[0]
    if isinstance(entry, str) and entry.strip():
        return entry
    if scenario.plan_text.strip():
        return scenario.plan_text
    raise OrchError("--stream replays the scenario's recorded plan, and it has none: "
                    "add --llm to stream a live model's")


def warm_model_clients(executor: Executor, scenario: Scenario, timeout: float = 60.0) -> None:
    """Build the `openai` client in each compute worker before the run's clock starts.

    A live compute call of math/chatbot/self needs the client in its worker, and importing
    `openai` takes about a second: paid inside the run, it would delay the first such call on
    each processor for reasons that belong to no policy. This runs the functions' context
    hook on each worker of the executor (which restarts its clock)."""
    if fctx.engine_mode() != fctx.LIVE:
        return  # recorded replies: no client to build
    hooks = [f for f in scenario.functions if f.kind == "compute" and f.impl
             and f.impl.startswith("orchtui.functions")
             and f.impl.rpartition(":")[2] in fctx.MODEL_FUNCTIONS]
    if hooks:
        ctx = fctx.call_context(scenario, None, 0.0, "compute", hooks[0].impl)
        executor.warm("orchtui.functions.context:activate", ctx, timeout)


def prepare(scenario: Scenario, args: argparse.Namespace) -> LLMSetup:
    """Everything the model side gives a run. Raises OrchError (LLMError, TranslationFailed)
    with a one-line message when the model cannot be reached or no valid plan comes of every
    attempt; the CLI prints it and exits 2 (1 for TranslationFailed: the run failed)."""
    live = bool(getattr(args, "llm", False))
    stream = bool(getattr(args, "stream", False))
    policy = getattr(args, "policy", None) or scenario.policy
    repairs = getattr(args, "repairs", 2)
    retranslations = getattr(args, "retranslations", 2)
    attempts = getattr(args, "recovery_attempts", 2)
    rate = getattr(args, "stream_rate", None)
    strict = bool(getattr(args, "strict", False))
    if rate is not None and (live or not stream):
        raise OrchError("--stream-rate sets how fast --stream replays the recorded reply: it "
                        "goes with --stream and without --llm")
    if stream and policy not in STREAM_POLICIES:
        raise OrchError(f"--stream schedules calls while the plan is still being written, "
                        f"which a plan-ahead policy does: use --policy "
                        f"{', '.join(STREAM_POLICIES)} ({policy} plans call by call)")
    if stream and not live:
        fctx.configure(fctx.RECORDED)
        recorded = RecordedBackend(scenario.recorded)
        recorded_reply(scenario)  # refuse now, before the screen opens
        repairer = LLMRepairer(recorded) if recorded.has("repair_call") else None
        return LLMSetup(scenario, (), repairer, "recorded", "recorded", live=False,
                        stream=True, policy=policy, recovery_attempts=attempts,
                        backend=recorded, stream_rate=rate or DEFAULT_STREAM_RATE,
                        strict=strict)

    if not live:
        fctx.configure(fctx.RECORDED)
        recorded = RecordedBackend(scenario.recorded)
        label = "recorded" if scenario.recorded else "none"
        prelude: tuple[ev.Event, ...] = ()
        if scenario.plan is None:
            if not recorded.has("translate"):
                raise OrchError("the scenario has no plan: translate its query with --llm")
            tr = translate(scenario, recorded, repairs=repairs, retranslations=retranslations,
                           strict=strict)
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
                  backend=backend, temperature=config.temperature, strict=strict)
    if policy in LOOP_POLICIES or stream:
        # ReAct and tool calling pick calls turn by turn; streaming translates during the run.
        return LLMSetup(scenario, (), repairer, "llm", config.model, **common)
    if not scenario.query.strip():
        raise OrchError("--llm translates the scenario's query, and this scenario has none")
    tr = translate(scenario, backend, repairs=repairs, retranslations=retranslations,
                   temperature=config.temperature, strict=strict,
                   dialect="llmcompiler" if policy == "llmcompiler" else "llmorch")
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
