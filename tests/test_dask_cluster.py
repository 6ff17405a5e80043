"""The deployment shape, as on a real cluster: a `dask scheduler` and `dask worker --nworkers 2
--nthreads 1 --resources CPU=1` started as separate processes with the `dask` command (on
127.0.0.1, ephemeral ports), and `orchtui scenario ... --executor dask --scheduler ADDRESS`
run against them as a user would, checked through its trace and exit status.

Every process a test starts is in a process group of its own, killed when the test ends,
passed or failed; a test then checks that none of them is left. Skipped when Dask is not
installed (the optional extra orchtui[dask])."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

pytest.importorskip("distributed")

import contextlib

from orchtui.engine import events as ev
from orchtui.engine.trace import read_trace

ROOT = Path(__file__).resolve().parents[1]
# The `dask` command of this interpreter's environment (a venv's bin/ may not be on PATH).
_NEXT_TO_PYTHON = Path(sys.executable).with_name("dask")
DASK = str(_NEXT_TO_PYTHON) if _NEXT_TO_PYTHON.exists() else shutil.which("dask")
CPUS = {0, 1}
pytestmark = [
    pytest.mark.skipif(not os.sched_getaffinity(0) >= CPUS, reason="needs CPUs 0 and 1"),
    pytest.mark.skipif(DASK is None, reason="the dask command is not installed"),
]

# The scenario's functions, written next to its YAML (the folder a scenario's code may be in).
FUNCS = '''
import os
import time


def work(n):
    """A little CPU work, then the mask of the thread that ran it."""
    acc = 0
    for i in range(200_000):
        acc = (acc + i * n) % 1_000_003
    return [n * n, sorted(os.sched_getaffinity(0))]


def pause(seconds, value):
    time.sleep(seconds)
    return value


def total(*items):
    return sum(item[0] if isinstance(item, list) else item for item in items)
'''

EIGHT = """\
name: cluster-eight
functions:
  - {name: work, kind: compute, impl: "funcs.py:work", cost: 0.05}
  - {name: total, kind: inout, impl: "funcs.py:total", cost: 0.001}
plan: |
  s1: work(1)
  s2: work(2)
  s3: work(3)
  s4: work(4)
  s5: work(5)
  s6: work(6)
  s7: work(7)
  s8: work(8)
  s9: total(s1, s2, s3, s4, s5, s6, s7, s8)
"""

TWO_PAUSES = """\
name: cluster-pauses
functions:
  - {name: pause, kind: compute, impl: "funcs.py:pause", cost: 3}
  - {name: total, kind: inout, impl: "funcs.py:total", cost: 0.001}
plan: |
  s1: pause(3, 1)
  s2: pause(3, 2)
  s3: total(s1, s2)
"""


class Cluster:
    """A scheduler and groups of workers, each its own process group, all ended by close()."""

    def __init__(self, where: Path, tls: dict[str, Path] | None = None) -> None:
        """`tls`: the files "ca", "cert" and "key" for a tls:// cluster."""
        self.where = where
        self.tls = ([] if tls is None else ["--tls-ca-file", str(tls["ca"]), "--tls-cert",
                                            str(tls["cert"]), "--tls-key", str(tls["key"])])
        self.groups: list[subprocess.Popen] = []
        self.pids: set[int] = set()
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the workers import orchtui
        self.file = where / "scheduler.json"
        try:
            self._start_scheduler(tls)
        except BaseException:
            self.close()  # a scheduler that never reported its address is ended too
            raise

    def _start_scheduler(self, tls: dict[str, Path] | None) -> None:
        # The timeouts are a net for a test process killed outright (no finally runs): the
        # scheduler ends once idle for 2 minutes, and workers a minute after it is gone.
        self._start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(self.file), "--idle-timeout", "120",
                     *(["--protocol", "tls", *self.tls] if self.tls else [])], "scheduler")
        end = time.monotonic() + 30
        while not self.file.exists() or not self.file.read_text().strip():
            assert time.monotonic() < end, self.log("scheduler")
            time.sleep(0.1)
        self.address = json.loads(self.file.read_text())["address"]
        self.security = None
        if tls is not None:
            from distributed.security import Security

            self.security = Security(tls_ca_file=str(tls["ca"]), tls_client_cert=str(tls["cert"]),
                                     tls_client_key=str(tls["key"]), require_encryption=True)

    def _start(self, args: list[str], name: str) -> subprocess.Popen:
        """`dask ARGS` (the command itself, as a user types it) in a process group of its own."""
        with (self.where / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen([DASK, *args], stdout=log, stderr=subprocess.STDOUT,
                                    env=self.env, start_new_session=True, cwd=self.where)
        self.groups.append(proc)
        return proc

    def workers(self, n: int, name: str = "workers", wait_for: int | None = None
                ) -> subprocess.Popen:
        """`dask worker ADDRESS --nworkers n --nthreads 1 --resources CPU=1`, as the README
        says to start them."""
        proc = self._start(["worker", self.address, "--nworkers", str(n), "--nthreads", "1",
                            "--resources", "CPU=1", "--host", "127.0.0.1", "--no-dashboard",
                            "--death-timeout", "60", *self.tls],
                           name)
        self.wait_workers(wait_for or n, name)
        return proc

    def wait_workers(self, n: int, name: str = "workers") -> None:
        from distributed import Client

        end = time.monotonic() + 60
        with Client(self.address, timeout=20, security=self.security) as client:
            while len(client.scheduler_info(n_workers=-1)["workers"]) < n:
                assert time.monotonic() < end, self.log(name)
                time.sleep(0.1)

    def group_pids(self, proc: subprocess.Popen) -> set[int]:
        pids = set()
        for p in psutil.process_iter(["pid"]):
            try:
                if os.getpgid(p.pid) == proc.pid:
                    pids.add(p.pid)
            except (OSError, psutil.Error):
                continue
        return pids

    def kill_group(self, proc: subprocess.Popen) -> None:
        self.pids |= self.group_pids(proc)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def log(self, name: str) -> str:
        path = self.where / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def close(self) -> None:
        for proc in reversed(self.groups):
            self.pids |= self.group_pids(proc) | {proc.pid}
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.groups:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
            # whatever is left of the group, the nannies' children included
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path)
    try:
        yield c
    finally:
        close_and_check(c)


def close_and_check(c: Cluster) -> None:
    """End every process the test started, and check that none is left."""
    c.close()
    end = time.monotonic() + 10
    while True:
        left = [p for p in c.pids if _alive(p)]
        if not left or time.monotonic() > end:
            break
        time.sleep(0.1)
    assert not left, f"processes left behind: {left}"


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def scenario(where: Path, text: str) -> Path:
    (where / "funcs.py").write_text(FUNCS)
    path = where / "scenario.yaml"
    path.write_text(text)
    return path


def run_cli(args: list[str], where: Path, limit: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "orchtui", *args], capture_output=True,
                          text=True, timeout=limit, env=env, cwd=where)


def worker_pids(c: Cluster, proc: subprocess.Popen) -> set[int]:
    return {p for p in c.group_pids(proc) if p != proc.pid}


# -- the deployment shape ---------------------------------------------------------------------
def test_a_scenario_runs_on_workers_started_with_the_dask_command(cluster: Cluster,
                                                                  tmp_path: Path):
    group = cluster.workers(2)
    path = scenario(tmp_path, EIGHT)
    trace = tmp_path / "run.jsonl"
    done = run_cli(["scenario", str(path), "--headless", "--json", "--executor", "dask",
                    "--scheduler", cluster.address, "--processors", "2", "--trace", str(trace)],
                   tmp_path)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["status"] == "ok" and record["mode"] == "dask"
    events = read_trace(trace)
    begun = events[0]
    assert isinstance(begun, ev.RunStarted)
    host = socket.gethostname().split(".")[0]  # lanes have little room
    # orchtui did not start these workers: it pinned them, one CPU each, on connect
    assert sorted(begun.lanes) == [f"{host}/cpu 0", f"{host}/cpu 1"]
    assert sorted(begun.cpus) == [0, 1]
    starts = [e for e in events if isinstance(e, ev.Started)
              and e.call in {f"s{i}" for i in range(1, 9)}]
    assert len(starts) == 8
    workers = worker_pids(cluster, group)
    for s in starts:
        assert s.pid in workers  # a worker process of the `dask worker` group, not orchtui
        assert s.cpu == begun.cpus[s.processor] and s.affinity == (s.cpu,)
    finished = {e.call: e for e in events if isinstance(e, ev.Finished)}
    for i in range(1, 9):  # each call's own thread read its mask: one CPU, its lane's
        value, mask = json.loads(finished[f"s{i}"].preview)
        assert value == i * i and len(mask) == 1
    assert events[-1].answer == str(sum(i * i for i in range(1, 9)))  # type: ignore[attr-defined]

    # A sweep on the cluster: each run on P of its workers, the sim's curve next to it.
    # P=3 is more than the cluster's 2 workers: capped, and said so.
    done = run_cli(["sweep", str(path), "--executor", "dask", "--scheduler", cluster.address,
                    "--processors", "1-3", "--policies", "llmorch", "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"dask sweep: P capped at 2, the workers of {cluster.address}" in done.stderr
    out = json.loads(done.stdout)
    assert out["mode"] == "dask"
    measured = [(r["policy"], r["processors"], r["mode"], r["status"]) for r in out["rows"]]
    assert measured == [("react", 1, "dask", "ok"), ("llmorch", 1, "dask", "ok"),
                        ("llmorch", 2, "dask", "ok")]
    assert all(r["makespan"] > 0 and r["sim_makespan"] > 0 for r in out["rows"])
    assert [r["mode"] for r in out["sim"]["rows"]] == ["sim"] * 3
    # the sim of 8 equal calls halves the makespan from P=1 to P=2
    assert out["rows"][2]["sim_speedup"] == pytest.approx(2 * out["rows"][1]["sim_speedup"],
                                                          rel=0.01)

    # A third worker, and three processors on this 2-CPU machine: one worker cannot have a CPU
    # of its own, and its lane says so.
    if len(os.sched_getaffinity(0)) == 2:
        cluster.workers(1, name="third", wait_for=3)
        done = run_cli(["scenario", str(path), "--headless", "--json", "--executor", "dask",
                        "--scheduler", cluster.address, "--processors", "3", "--trace",
                        str(trace)], tmp_path)
        assert done.returncode == 0, done.stderr
        lanes = read_trace(trace)[0].lanes  # type: ignore[attr-defined]
        assert sorted(lane.split("/", 1)[1] for lane in lanes if "(not pinned)" not in lane) \
            == ["cpu 0", "cpu 1"]
        unpinned = [lane for lane in lanes if "(not pinned)" in lane]
        assert len(unpinned) == 1 and unpinned[0].startswith(f"{host}/worker ")


def test_sweep_flags_are_checked(tmp_path: Path):
    path = scenario(tmp_path, EIGHT)
    done = run_cli(["sweep", str(path), "--scheduler", "tcp://127.0.0.1:1"], tmp_path)
    assert done.returncode == 2 and done.stderr.strip() == (
        "orchtui: --scheduler goes with --executor dask")
    done = run_cli(["sweep", str(path), "--executor", "dask", "--sim"], tmp_path)
    assert done.returncode == 2 and "leave out --sim" in done.stderr


# -- lost workers -----------------------------------------------------------------------------
def _wait_started(trace: Path, proc: subprocess.Popen, calls: set[str], limit: float = 40
                  ) -> dict[str, ev.Started]:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        assert proc.poll() is None, proc.communicate()
        if trace.exists():
            try:
                found = {e.call: e for e in read_trace(trace)
                         if isinstance(e, ev.Started) and e.call in calls}
            except Exception:  # a line being written
                found = {}
            if set(found) == calls:
                return found
        time.sleep(0.05)
    raise AssertionError(f"{calls} did not start")


def test_a_worker_killed_mid_call_is_retried_elsewhere_and_none_left_fails(cluster: Cluster,
                                                                           tmp_path: Path):
    group = cluster.workers(2)
    path = scenario(tmp_path, TWO_PAUSES)
    trace = tmp_path / "kill.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "orchtui", "scenario", str(path), "--headless", "--json",
            "--executor", "dask", "--scheduler", cluster.address, "--trace"]
    proc = subprocess.Popen([*args, str(trace), "--processors", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        first = _wait_started(trace, proc, {"s1", "s2"})
        victim = first["s1"]
        os.kill(victim.pid, signal.SIGKILL)  # mid-call
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    events = read_trace(trace)
    retried = [e for e in events if isinstance(e, ev.Retried)]
    assert len(retried) == 1
    r = retried[0]
    assert (r.call, r.processor, r.attempt, r.retries) == ("s1", victim.processor, 1, 1)
    assert r.error.startswith("worker lost mid-call: Dask worker ")
    assert f"pid {victim.pid}) died" in r.error
    s1_starts = [e for e in events if isinstance(e, ev.Started) and e.call == "s1"]
    assert len(s1_starts) == 2 and s1_starts[1].pid != victim.pid and s1_starts[1].t >= r.t
    assert s1_starts[1].processor != victim.processor  # elsewhere: the worker that was up
    assert s1_starts[1].affinity == (s1_starts[1].cpu,)
    assert events[-1].status == "ok" and events[-1].answer == "3"  # type: ignore[attr-defined]
    assert json.loads(out)["calls"][0]["retried"] == [r.error]

    # Every worker gone, nannies too (a host lost): the run fails with one line, exit 1.
    cluster.wait_workers(2)  # the killed worker's Nanny has replaced it
    trace2 = tmp_path / "none.jsonl"
    proc = subprocess.Popen([*args, str(trace2), "--processors", "1"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        _wait_started(trace2, proc, {"s1"})
        t_kill = time.monotonic()
        cluster.kill_group(group)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("orchtui: no Dask worker left: "), err
    assert time.monotonic() - t_kill < 30  # it did not wait out the replacement timeout
    assert json.loads(out)["status"] == "failed"


# -- TLS ----------------------------------------------------------------------------------------
def test_a_tls_cluster_needs_only_dask_s_own_settings(tmp_path: Path):
    """`dask scheduler --protocol tls` and `dask worker tls://...` with certificates; orchtui
    gets its client's through Dask's configuration (environment variables), as the README
    says, and runs unchanged."""
    pytest.importorskip("cryptography")  # Security.temporary() makes the certificates with it
    from distributed.security import Security

    made = Security.temporary()  # a throwaway CA and one certificate signed by it
    files = {}
    for name, pem in (("ca", made.tls_ca_file), ("cert", made.tls_worker_cert),
                      ("key", made.tls_worker_key)):
        files[name] = tmp_path / f"{name}.pem"
        files[name].write_text(pem)
    c = Cluster(tmp_path, tls=files)
    try:
        assert c.address.startswith("tls://")
        c.workers(2)
        path = scenario(tmp_path, EIGHT)
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(files["ca"]),
               "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(files["cert"]),
               "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(files["key"])}
        done = subprocess.run([sys.executable, "-m", "orchtui", "scenario", str(path),
                               "--headless", "--json", "--executor", "dask", "--scheduler",
                               c.address, "--processors", "2"], capture_output=True, text=True,
                              timeout=60, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        record = json.loads(done.stdout)
        assert record["status"] == "ok"
        assert sorted({call["cpu"] for call in record["calls"] if call["kind"] == "compute"}) \
            == [0, 1]
    finally:
        close_and_check(c)
