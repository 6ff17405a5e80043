"""WorkerPool: pinned worker processes, failures that stay local, nothing left behind."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from orchtui.executors.workers import JobFinished, JobStarted, WorkerPool

TESTS = Path(__file__).resolve().parent
FUNCS = str(TESTS / "workerfuncs.py")
CPU0 = frozenset({0})
CPU1 = frozenset({1})
BOTH = frozenset({0, 1})

pytestmark = pytest.mark.skipif(
    not {0, 1} <= os.sched_getaffinity(0), reason="needs CPUs 0 and 1"
)


def fn(name: str) -> str:
    return f"{FUNCS}:{name}"


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    with WorkerPool() as p:
        yield p


def run(pool: WorkerPool, limit: float = 10.0) -> dict[str, list[JobStarted | JobFinished]]:
    """Poll until every pending job finished; events grouped by job, in order."""
    by_job: dict[str, list[JobStarted | JobFinished]] = {}
    end = time.monotonic() + limit
    while pool.pending():
        assert time.monotonic() < end, "jobs did not finish in time"
        for event in pool.poll(0.5):
            by_job.setdefault(event.job, []).append(event)
    return by_job


def finished(events: list[JobStarted | JobFinished]) -> JobFinished:
    last = events[-1]
    assert isinstance(last, JobFinished)
    assert sum(isinstance(e, JobFinished) for e in events) == 1
    return last


def started(events: list[JobStarted | JobFinished]) -> JobStarted:
    first = events[0]
    assert isinstance(first, JobStarted)
    return first


def call(pool: WorkerPool, job: str, cpus: frozenset[int], name: str, *args: object,
         timeout: float | None = None) -> None:
    pool.submit(job, cpus, fn(name), None, args, {}, timeout)


# --------------------------------------------------------------------------- basics


def test_poll_returns_at_once_when_nothing_is_in_flight(pool: WorkerPool) -> None:
    t0 = time.monotonic()
    assert pool.poll(None) == []
    call(pool, "a", CPU0, "noop")
    run(pool)
    assert pool.poll(None) == []
    assert time.monotonic() - t0 < 5
    assert pool.pending() == 0


def test_value_and_timestamps(pool: WorkerPool) -> None:
    t_submit = time.perf_counter()
    pool.submit("a", CPU1, fn("add"), None, (2,), {"b": 3}, None)
    assert pool.pending() == 1
    events = run(pool)["a"]
    start, end = started(events), finished(events)
    assert end.ok and end.value == 5 and end.error is None
    assert end.t_return is not None
    assert t_submit < start.t <= end.t_return <= end.t


def test_module_function_impl(pool: WorkerPool) -> None:
    pool.submit("a", CPU0, "operator:mul", None, (6, 7), {}, None)
    assert finished(run(pool)["a"]).value == 42


@pytest.mark.parametrize(
    ("cpus", "cpu", "affinity"), [(CPU1, 1, (1,)), (CPU0, 0, (0,)), (BOTH, None, (0, 1))]
)
def test_pinning(pool: WorkerPool, cpus: frozenset[int], cpu: int | None,
                 affinity: tuple[int, ...]) -> None:
    call(pool, "a", cpus, "report_affinity")
    events = run(pool)["a"]
    assert started(events).cpu == cpu
    assert started(events).affinity == affinity
    assert finished(events).value == affinity


def test_scripts_started_by_a_function_inherit_the_pinning(pool: WorkerPool) -> None:
    call(pool, "a", CPU1, "child_affinity")
    assert finished(run(pool)["a"]).value == (1,)


def test_thread_count_variables_are_one(pool: WorkerPool) -> None:
    call(pool, "a", CPU0, "env_threads")
    assert set(finished(run(pool)["a"]).value.values()) == {"1"}


def test_two_concurrent_jobs_on_one_cpu_get_two_workers(pool: WorkerPool) -> None:
    call(pool, "a", CPU1, "sleep_then_return", 0.2, "a")
    call(pool, "b", CPU1, "sleep_then_return", 0.2, "b")
    events = run(pool)
    assert started(events["a"]).pid != started(events["b"]).pid
    assert started(events["a"]).affinity == started(events["b"]).affinity == (1,)
    assert [finished(events[j]).value for j in "ab"] == ["a", "b"]


def test_idle_worker_is_reused(pool: WorkerPool) -> None:
    pids = set()
    for i in range(3):
        call(pool, f"j{i}", CPU0, "getpid")
        pids.add(finished(run(pool)[f"j{i}"]).value)
    assert len(pids) == 1


def test_warm_starts_the_worker_the_first_call_uses(pool: WorkerPool) -> None:
    pool.warm([CPU0, CPU1])
    workers = {p.pid for p in psutil.Process().children(recursive=True)}
    call(pool, "a", CPU0, "getpid")
    call(pool, "b", CPU1, "getpid")
    events = run(pool)
    assert {finished(events["a"]).value, finished(events["b"]).value} <= workers


def test_functions_sent_before_the_workers_are_set_up_load_before_any_call(
    pool: WorkerPool, tmp_path: Path
) -> None:
    # How the real executor starts its pool: workers started without waiting for them, their
    # functions sent at once (each job waits in its worker's pipe until the worker is set up),
    # then every worker ready.
    marks = tmp_path / "marks.py"
    marks.write_text("import os, pathlib\n"
                     "pathlib.Path(__file__).with_name(f'loaded-{os.getpid()}').touch()\n"
                     "def getpid():\n    return os.getpid()\n")
    impl = f"{marks}:getpid"
    pool.warm([CPU0, CPU1], wait_ready=False)
    pool.preload({CPU0: [(impl, None)], CPU1: [(impl, None)]}, timeout=30.0)
    pool.warm([CPU0, CPU1])
    loaded = {int(p.name.partition("-")[2]) for p in tmp_path.glob("loaded-*")}
    assert len(loaded) == 2  # each worker loaded the file once, before any call
    pool.submit("a", CPU0, impl, None, (), {}, None)
    pool.submit("b", CPU1, impl, None, (), {}, None)
    events = run(pool)
    assert {finished(events["a"]).value, finished(events["b"]).value} == loaded
    assert len(list(tmp_path.glob("loaded-*"))) == 2  # and the calls did not load it again


def test_file_impl_relative_to_base_dir_with_sibling_import(
    pool: WorkerPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scen = tmp_path / "scen"
    (scen / "funcs").mkdir(parents=True)
    (scen / "funcs" / "helper_x7.py").write_text("def twice(x):\n    return 2 * x\n")
    (scen / "funcs" / "main_x7.py").write_text(
        "from helper_x7 import twice\n\ndef run(x):\n    return twice(x) + 1\n"
    )
    pool.submit("abs", CPU0, "funcs/main_x7.py:run", str(scen), (20,), {}, None)
    monkeypatch.chdir(tmp_path)  # a relative base_dir means relative to the engine's cwd
    pool.submit("rel", CPU1, "funcs/main_x7.py:run", "scen", (1,), {}, None)
    events = run(pool)
    assert finished(events["abs"]).value == 41
    assert finished(events["rel"]).value == 3


def test_functions_of_one_file_share_its_module(pool: WorkerPool, tmp_path: Path) -> None:
    (tmp_path / "state_x7.py").write_text(
        "calls = []\n\ndef put(x):\n    calls.append(x)\n\ndef get():\n    return calls\n"
    )
    for i, name in enumerate(["put", "put", "get"]):
        pool.submit(f"j{i}", CPU0, f"state_x7.py:{name}", str(tmp_path), (i,)[: name == "put"],
                    {}, None)
        run(pool)
    pool.submit("last", CPU0, "state_x7.py:get", str(tmp_path), (), {}, None)
    assert finished(run(pool)["last"]).value == [0, 1]


def test_error_while_loading_a_file_names_the_line(pool: WorkerPool, tmp_path: Path) -> None:
    (tmp_path / "broken_x7.py").write_text("import os\n\nVALUE = undefined_name\n")
    pool.submit("a", CPU0, "broken_x7.py:f", str(tmp_path), (), {}, None)
    assert finished(run(pool)["a"]).error == (
        "cannot load 'broken_x7.py:f': NameError: name 'undefined_name' is not defined "
        "(at broken_x7.py:3 in <module>)"
    )


# --------------------------------------------------------------------------- failures


FAILURES = {
    # name: (function, args, timeout, expected error, the worker survives)
    "raises": ("raises", (), None, "ValueError: bad input (at workerfuncs.py:", True),
    "os_exit": ("os_exit", (3,), None, "worker crashed (pid {pid}, exit code 3)", False),
    "segfault": ("segfault", (), None, "worker crashed (pid {pid}, killed by SIGSEGV)", False),
    "hang": ("hang", (), 0.5, "timed out after 0.5 s", False),
    "unpicklable": ("unpicklable_result", (), None, "result could not be sent back: ", True),
    "missing": ("no_such_function", (), None, "cannot load '", True),
}


@pytest.mark.parametrize("kind", list(FAILURES))
def test_a_failure_fails_only_its_own_job(pool: WorkerPool, kind: str) -> None:
    name, args, timeout, expected, survives = FAILURES[kind]
    call(pool, "first", CPU0, "getpid")
    worker_pid = finished(run(pool)["first"]).value
    call(pool, "other", CPU1, "sleep_then_return", 0.3, "fine")
    call(pool, "bad", CPU0, name, *args, timeout=timeout)
    t0 = time.monotonic()
    events = run(pool)
    assert time.monotonic() - t0 < 5
    assert finished(events["other"]).value == "fine"
    bad = finished(events["bad"])
    assert not bad.ok and bad.value is None
    assert bad.error is not None and "\n" not in bad.error
    pid = worker_pid
    if kind != "missing":
        assert started(events["bad"]).pid == worker_pid
    assert bad.error.startswith(expected.format(pid=pid)), bad.error
    assert (bad.t_return is not None) == (kind in ("raises", "unpicklable"))
    assert pool.pending() == 0
    # The pool still works on that CPU: the same worker if it survived, a new one if not.
    call(pool, "after", CPU0, "getpid")
    after = finished(run(pool)["after"])
    assert after.ok
    assert (after.value == pid) is survives
    if not survives:
        assert not _running(pid)


def test_idle_worker_that_died_is_replaced(pool: WorkerPool) -> None:
    call(pool, "a", CPU0, "getpid")
    pid = finished(run(pool)["a"]).value
    worker = psutil.Process(pid)
    worker.kill()
    # Dead, not dying: wait until the forkserver has reaped it. A killed worker's main thread
    # is a zombie while its other threads still exit, and their fd table (its end of the pipe)
    # lives until the last one has: a call sent then is accepted, and lost with the worker
    # ("worker crashed"), which is the dying worker's failure, not the replacement this checks.
    worker.wait(10)
    call(pool, "b", CPU0, "getpid")
    after = finished(run(pool)["b"])
    assert after.ok and after.value != pid


def test_large_arguments_and_results(pool: WorkerPool) -> None:
    blob = bytes(range(256)) * (32 * 1024)  # 8 MiB: far more than a pipe buffers
    call(pool, "fresh", CPU0, "sleep_then_return", 0, blob)
    assert finished(run(pool)["fresh"]).value == blob
    call(pool, "reused", CPU0, "sleep_then_return", 0, blob)
    assert finished(run(pool)["reused"]).value == blob


def test_missing_function_error_names_it(pool: WorkerPool) -> None:
    call(pool, "a", CPU0, "no_such_function")
    pool.submit("b", CPU0, "no_such_module_x7:f", None, (), {}, None)
    events = run(pool)
    assert finished(events["a"]).error == (
        f"cannot load '{fn('no_such_function')}': "
        f"AttributeError: no function 'no_such_function' in {FUNCS}"
    )
    assert finished(events["b"]).error == (
        "cannot load 'no_such_module_x7:f': "
        "ModuleNotFoundError: No module named 'no_such_module_x7'"
    )
    assert "a" not in events or not any(isinstance(e, JobStarted) for e in events["a"])


def test_raise_reports_the_innermost_frame(pool: WorkerPool) -> None:
    call(pool, "a", CPU0, "raises", "multi\nline")
    error = finished(run(pool)["a"]).error
    assert error is not None
    line = next(i for i, text in enumerate(Path(FUNCS).read_text().splitlines(), 1)
                if "raise ValueError(message)" in text)
    assert error == f"ValueError: multi line (at workerfuncs.py:{line} in raises)"


def test_worker_killed_from_outside_mid_job(pool: WorkerPool) -> None:
    call(pool, "victim", CPU0, "hang")
    call(pool, "other", CPU1, "sleep_then_return", 0.3, "fine")
    pid = None
    end = time.monotonic() + 10
    while pid is None and time.monotonic() < end:
        for event in pool.poll(0.5):
            if isinstance(event, JobStarted) and event.job == "victim":
                pid = event.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    t0 = time.monotonic()
    events = run(pool)
    assert time.monotonic() - t0 < 2
    assert finished(events["victim"]).error == f"worker crashed (pid {pid}, killed by SIGKILL)"
    assert finished(events["other"]).value == "fine"


def test_sigint_does_not_reach_the_function(pool: WorkerPool) -> None:
    call(pool, "a", CPU0, "sleep_then_return", 0.3, "done")
    events = pool.poll(5)
    assert isinstance(events[0], JobStarted)
    os.kill(events[0].pid, signal.SIGINT)
    assert finished(run(pool)["a"]).value == "done"


def test_timeout_wakes_poll_without_other_events(pool: WorkerPool) -> None:
    call(pool, "a", CPU0, "hang", timeout=0.3)
    t0 = time.monotonic()
    got: list[JobStarted | JobFinished] = []
    while not any(isinstance(e, JobFinished) for e in got):
        got += pool.poll(None)
    assert 0.25 < time.monotonic() - t0 < 1.5
    assert finished(got).error == "timed out after 0.3 s"


def test_poll_timeout_returns_empty_when_nothing_happens(pool: WorkerPool) -> None:
    # The job outlasts the poll by far: [] says poll returned at its own timeout, not at the
    # job's end, however busy the machine (a 0.5 s job left 0.3 s of slack). The pool's close
    # ends the job.
    call(pool, "a", CPU0, "sleep_then_return", 10.0, None)
    pool.poll(5)  # the JobStarted
    t0 = time.monotonic()
    assert pool.poll(0.1) == []
    assert 0.09 < time.monotonic() - t0 < 5.0


def test_memory_error_under_the_limit_is_a_failure() -> None:
    with WorkerPool(memory_limit_bytes=1 << 30) as pool:
        call(pool, "big", CPU0, "alloc", 4 << 30)
        call(pool, "small", CPU0, "alloc", 1 << 20)
        events = run(pool)
    error = finished(events["big"]).error
    assert error is not None and error.startswith("MemoryError (at workerfuncs.py:")
    assert finished(events["small"]).value == 1 << 20


def test_unpicklable_arguments_fail_the_job(pool: WorkerPool) -> None:
    pool.submit("a", CPU0, fn("noop"), None, (lambda: 0,), {}, None)
    assert pool.pending() == 1
    error = finished(run(pool)["a"]).error
    assert error is not None and error.startswith("arguments could not be sent: ")


def test_cpu_that_does_not_exist_fails_the_job(pool: WorkerPool) -> None:
    call(pool, "a", frozenset({4000}), "noop")
    error = finished(run(pool)["a"]).error
    assert error is not None and error.startswith("worker could not start (pid ")


def test_duplicate_job_id_is_refused(pool: WorkerPool) -> None:
    call(pool, "a", CPU0, "sleep_then_return", 0.1, None)
    with pytest.raises(ValueError, match="already pending"):
        call(pool, "a", CPU1, "noop")
    run(pool)


# --------------------------------------------------------------------------- shutdown


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie is init's to reap, not ours)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _mp_helpers() -> set[int]:
    """multiprocessing's shared forkserver and resource tracker: they outlive any pool."""
    helpers = set()
    for child in psutil.Process().children():
        cmdline = " ".join(child.cmdline())
        if "multiprocessing.forkserver" in cmdline or "multiprocessing.resource_tracker" in cmdline:
            helpers.add(child.pid)
    return helpers


def run_until(pool: WorkerPool, jobs: set[str], limit: float = 10.0) -> dict[str, list]:
    by_job: dict[str, list] = {}
    end = time.monotonic() + limit
    while not all(j in by_job and isinstance(by_job[j][-1], JobFinished) for j in jobs):
        assert time.monotonic() < end
        for event in pool.poll(0.5):
            by_job.setdefault(event.job, []).append(event)
    return by_job


def test_close_leaves_no_worker_behind(tmp_path: Path) -> None:
    pool = WorkerPool()
    pool.warm([CPU0, CPU1, BOTH])
    pidfile = tmp_path / "child.pid"
    call(pool, "busy", CPU0, "hang")
    call(pool, "parent", CPU1, "spawn_then_hang", str(pidfile))
    call(pool, "spin", CPU1, "spin", 30.0)
    end = time.monotonic() + 10
    while not pidfile.exists():
        assert time.monotonic() < end
        time.sleep(0.01)
    grandchild = int(pidfile.read_text())
    workers = {p.pid for p in psutil.Process().children(recursive=True)} - _mp_helpers()
    assert len(workers) >= 4 and grandchild in workers
    t0 = time.monotonic()
    pool.close()
    assert time.monotonic() - t0 < 3
    left = {p.pid for p in psutil.Process().children(recursive=True)} - _mp_helpers()
    assert left == set()
    # The script the function started was orphaned when its worker died: killed as well.
    end = time.monotonic() + 2
    while _running(grandchild) and time.monotonic() < end:
        time.sleep(0.02)
    assert not _running(grandchild)
    assert pool.pending() == 0 and pool.poll(None) == []
    pool.close()  # idempotent


def test_closed_pool_refuses_work() -> None:
    pool = WorkerPool()
    pool.close()
    with pytest.raises(RuntimeError):
        call(pool, "a", CPU0, "noop")


# --------------------------------------------------------------------------- poisoned workers


def test_an_exception_whose_str_raises_is_described_by_its_type(pool: WorkerPool) -> None:
    call(pool, "p", CPU0, "raises_poisoned")
    call(pool, "after", CPU0, "add", 1, 2)
    got = run(pool)
    assert finished(got["p"]).error.startswith("Poisoned (at workerfuncs.py:")
    assert finished(got["after"]).value == 3


def test_a_forked_child_does_not_answer_for_later_calls(pool: WorkerPool) -> None:
    for i in range(3):
        call(pool, f"f{i}", CPU0, "fork_and_both_return", 0.1)
        call(pool, f"v{i}", CPU0, "add", i, 100)
        got = run(pool)
        assert finished(got[f"f{i}"]).value == "parent"
        assert finished(got[f"v{i}"]).value == i + 100


def test_the_worker_is_pinned_again_after_a_call_widens_it(pool: WorkerPool) -> None:
    call(pool, "w", CPU0, "widen")
    got = run(pool)
    assert finished(got["w"]).value == [0, 1] or os.cpu_count() == 1
    call(pool, "r", CPU0, "report_affinity")
    got = run(pool)
    assert finished(got["r"]).value == (0,) and started(got["r"]).affinity == (0,)


def test_children_end_with_their_call(pool: WorkerPool) -> None:
    call(pool, "s", CPU0, "spawn_sleeper")
    child = finished(run(pool)["s"]).value
    end = time.monotonic() + 2
    while _running(child) and time.monotonic() < end:
        time.sleep(0.01)
    assert not _running(child)


def test_output_is_captured_per_call_and_bounded(pool: WorkerPool) -> None:
    call(pool, "small", CPU0, "print_lots", 10)
    call(pool, "big", CPU1, "print_lots", 1_000_000)
    call(pool, "quiet", CPU0, "noop")
    got = run(pool)
    assert finished(got["small"]).output == "A" * 10 + "|fd2"
    big = finished(got["big"]).output
    assert big.startswith("A" * 1000) and big.endswith(" bytes more")
    assert big.endswith(f"… {1_000_004 - 64 * 1024} bytes more")
    assert finished(got["quiet"]).output is None


def test_a_result_of_a_class_from_a_function_file_arrives(pool: WorkerPool) -> None:
    call(pool, "c", CPU0, "class_instance")
    value = finished(run(pool)["c"]).value
    assert type(value).__name__ == "Record" and value.n == 7


# --------------------------------------------------------------------------- inout calls


def test_inout_calls_run_on_io_workers_at_most_io_max_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from orchtui.executors import real
    from orchtui.executors.base import Task, TaskFinished, TaskStarted
    from orchtui.scenario.model import FunctionSpec, Scenario

    monkeypatch.setattr(real, "IO_MAX", 2)
    sleep = FunctionSpec("sleep", "inout", impl=fn("sleep_then_return"))
    scenario = Scenario(name="io", functions=(sleep,), plan=None, path=TESTS / "x.yaml")
    ex = real.RealExecutor(scenario, (0,))
    try:
        for i in range(5):
            ex.launch(Task(f"io{i}", "inout", function=sleep, args=(0.2, i)))
        assert ex.in_flight() == 5
        events: list = []
        end = time.monotonic() + 20
        while ex.in_flight():
            assert time.monotonic() < end
            events += ex.poll(0.5)
    finally:
        ex.close()
    done = {e.key: e for e in events if isinstance(e, TaskFinished)}
    assert {k: e.value for k, e in done.items()} == {f"io{i}": i for i in range(5)}
    starts = {e.key: e for e in events if isinstance(e, TaskStarted)}
    assert all(s.pid != os.getpid() for s in starts.values())  # not in the engine's process
    for k, s in starts.items():  # never more than IO_MAX running at any start
        running = [o for o in starts if starts[o].t <= s.t < done[o].t and o != k]
        assert len(running) <= 1, (k, running)


# --------------------------------------------------------------------------- LLM turns


def test_a_turn_too_long_for_the_clock_is_waited_out_not_a_dead_thread() -> None:
    """`--llm-turn 1e308` (or a recorded stream replayed at 1e-300 tokens a second): time.sleep
    refuses such a wait, so the turn's thread died with a traceback and its end never came: the
    run hung, deaf to all but Ctrl-C. Now the turn just waits (until Ctrl-C)."""
    from orchtui.executors import real
    from orchtui.executors.base import Task, TaskStarted
    from orchtui.scenario.model import Scenario

    scenario = Scenario(name="turn", functions=(), plan=None, path=TESTS / "x.yaml")
    died: list[type[BaseException]] = []
    hook = threading.excepthook
    threading.excepthook = lambda args: died.append(args.exc_type)
    ex = real.RealExecutor(scenario, (0,))
    try:
        ex.launch(Task("turn:plan", "llm", cost=1e308))
        events = ex.poll(5.0)
        assert [type(e) for e in events] == [TaskStarted]
        end = time.monotonic() + 1.0  # a dying thread dies at once; a waiting one waits
        while not died and time.monotonic() < end:
            time.sleep(0.01)
        assert died == []
        assert ex.in_flight() == 1
    finally:
        threading.excepthook = hook
        ex.close()


@pytest.mark.parametrize(("mode", "error"), [("hang", "timed out after 0.5 s"),
                                             ("exit", "worker crashed")])
def test_a_call_that_never_answers_still_reports_its_start(pool: WorkerPool, mode: str,
                                                         error: str) -> None:
    """A call of a function whose last call was quick sends its start with its result: one
    that never answers (a timeout, a crash) had no start at all, so its lane showed nothing
    and its record a call of no duration, on `cpu None`."""
    call(pool, "q1", CPU0, "quick_unless", "quick")
    first = started(run(pool)["q1"])
    call(pool, "q2", CPU0, "quick_unless", mode, timeout=0.5)
    events = run(pool)["q2"]
    s, f = started(events), finished(events)
    assert not f.ok and f.error is not None and f.error.startswith(error), f.error
    assert s.pid == first.pid and s.cpu == 0 and s.affinity == (0,)
    assert first.t <= s.t <= f.t


def test_a_long_call_of_a_quick_function_shows_its_start_while_it_runs(
        pool: WorkerPool, tmp_path: Path) -> None:
    """After a quick call, the worker sends the next call's start with its result only: a long
    call then showed nothing on its lane until it ended. The engine reports its start (the
    time it was sent) while it runs, once, and the result adds no second one."""
    call(pool, "q1", CPU0, "quick_unless", "quick")
    run(pool)
    gate = tmp_path / "go"
    call(pool, "q2", CPU0, "quick_unless", f"until:{gate}")
    seen: list[JobStarted | JobFinished] = []
    for _ in range(40):  # polls of half a second: the start is due after a fiftieth of one
        seen += pool.poll(0.5)
        if seen:
            break
    gate.touch()
    assert [type(e) for e in seen] == [JobStarted], "no start while the call ran"
    rest = run(pool)["q2"]
    assert [type(e) for e in rest] == [JobFinished]
    assert rest[0].ok and rest[0].value == f"until:{gate}"
    assert seen[0].cpu == 0 and seen[0].t <= rest[0].t
