"""`arrears_nightly` under a real Airflow scheduler, started by `scripts/airflow.sh start` (what `make airflow`
runs: `airflow standalone`) in a temporary AIRFLOW_HOME on a free loopback port, on a tiny generated book.

Airflow's metadata database is a throw-away PostgreSQL on loopback (`AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`,
which the script passes through). With the SQLite default, Airflow 3's scheduler, dag-processor, triggerer,
API server and task supervisors all wait on SQLite's single write lock: on this 2-core machine under load
every component stalled for the lock's 60 s busy timeout ("Heartbeat recovered after 64.78 seconds"), REST
calls timed out and runs stayed `queued` (the 30-minute CI failure of issue 18). docs/airflow.md says so.

One Airflow serves the module (`make test` runs `--dist loadscope`: a module is one worker's unit). `nights` unpauses the DAG, triggers two business dates and two dates whose extract is
missing through the REST API, creates a two-date backfill with the CLI while the scheduler runs, and waits
for them all; the tests then check what each night did. A timeout fails with the scheduler's log tail.

Four nights, each one a property needs (a night is five dbt processes, about 45 s of the fresh-clone
run's 261 s set-up on an idle 2-core machine): one triggered through the REST API with `as_of`, one
through the CLI with `--logical-date`, and a backfill's first and last date (both included, nothing
else). That a backfill also runs the dates between its bounds is the timetable's iteration, proven with
real Airflow objects in tests/test_airflow_timetable.py (1..3 October gives 1, 2 and 3 October)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pendulum
import pytest

from pipelines.cli import main
from pipelines.settings import Paths
from tests.conftest import REPO
from tests.servers import free_port

pytestmark = pytest.mark.slow

SCRIPT = REPO / "scripts" / "airflow.sh"
DAG = "arrears_nightly"
FIRST, DAYS, LOANS = date(2026, 10, 1), 4, 30     # a tiny book: extracts for 1..4 October


def _day(offset: int) -> str:
    return str(FIRST + timedelta(days=offset))


MANUAL = {"night_1": _day(0), "night_2": _day(1)}
MISSING_NEWER, MISSING_OLDER = _day(DAYS + 3), _day(-1)   # never delivered: after / before the newest extract
BACKFILL = [_day(2), _day(3)]   # --from-date and --to-date
START_TIMEOUT = 420     # seconds for `airflow standalone` to be healthy (measured 102-173 s at load 3-19)
NIGHTS_TIMEOUT = 2400   # four nights through the one-slot warehouse pool: ~8 min a night at load 25 here


class Airflow:
    def __init__(self, home: Path, port: int, paths: Paths, database_url: str):
        self.home, self.port, self.paths = home, port, paths
        self.env = os.environ | {
            "ARREARS_AIRFLOW_HOME": str(home),
            "AIRFLOW_PORT": str(port),
            "ARREARS_LANDING": str(paths.landing),
            "ARREARS_WAREHOUSE": str(paths.warehouse),
            "ARREARS_OUT": str(paths.out),
            "PYTHONPATH": str(REPO),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
            "AIRFLOW_START_TIMEOUT": str(START_TIMEOUT),
            # a small machine: few executor slots, the DAG parsed once at start
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "600",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        }
        self.token = None

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([str(SCRIPT), *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def api(self, method: str, path: str, body: dict | None = None):
        if self.token is None:
            password = json.loads((self.home / "simple_auth_manager_passwords.json.generated").read_text())["admin"]
            self.token = self._call("POST", "/auth/token", {"username": "admin", "password": password})["access_token"]
        return self._call(method, path, body, {"Authorization": f"Bearer {self.token}"})

    def _call(self, method, path, body, headers=None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                         json.dumps(body).encode() if body is not None else None,
                                         {"Content-Type": "application/json", **(headers or {})}, method=method)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    def trigger(self, run_id: str, as_of: str) -> None:
        self.api("POST", f"/api/v2/dags/{DAG}/dagRuns", {"dag_run_id": run_id, "logical_date": None, "conf": {"as_of": as_of}})

    def runs(self) -> dict[str, dict]:
        return {run["dag_run_id"]: run for run in self.api("GET", f"/api/v2/dags/{DAG}/dagRuns?limit=100")["dag_runs"]}

    def tasks(self, run_id: str) -> dict[str, dict]:
        return {ti["task_id"]: ti for ti in self.api("GET", f"/api/v2/dags/{DAG}/dagRuns/{run_id}/taskInstances")["task_instances"]}

    def task_log(self, run_id: str, task_id: str) -> str:
        folder = self.home / "logs" / f"dag_id={DAG}" / f"run_id={run_id}" / f"task_id={task_id}"
        return "".join(path.read_text() for path in sorted(folder.glob("*.log")))

    def log_tail(self, component: str = "scheduler", lines: int = 40) -> str:
        log = self.home / "standalone.log"
        mine = [line for line in log.read_text(errors="replace").splitlines() if line.startswith(component)] if log.exists() else []
        return f"\n--- last {lines} lines of {component} in {log}:\n" + "\n".join(mine[-lines:])

    def diagnosis(self) -> str:
        try:
            states = {run_id: run["state"] for run_id, run in self.runs().items()}
            busy = {run_id: {t: ti["state"] for t, ti in self.tasks(run_id).items() if ti["state"]}
                    for run_id, state in states.items() if state != "success"}
        except (OSError, urllib.error.URLError) as exc:
            states, busy = f"API not answering: {exc}", {}
        return f"runs {states}; tasks of unfinished runs {busy}" + self.log_tail() + self.log_tail("api-server", 15)

    def stop(self) -> None:
        self.cli("stop", timeout=120)
        pidfile = self.home / "standalone.pid"
        if pidfile.exists():  # the script could not stop it: end its session (the group it started) by id
            sid = pidfile.read_text().strip()
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[3] == sid:
                        os.kill(int(pid), signal.SIGKILL)
                except (OSError, IndexError):
                    continue


@pytest.fixture(scope="module")
def airflow(tmp_path_factory, postgres):
    root = tmp_path_factory.mktemp("airflow")
    paths = Paths.resolve(landing=root / "landing", warehouse=root / "warehouse" / "arrears.duckdb", out=root / "outbox")
    assert main(["generate", "--out", str(paths.landing), "--start", str(FIRST), "--days", str(DAYS),
                 "--loans", str(LOANS)]) == 0
    database_url = postgres.url(postgres.create_database("airflow"), scheme="postgresql+psycopg2")
    instance = Airflow(root / "airflow_home", free_port(), paths, database_url)
    started = time.monotonic()
    try:
        done = instance.cli("start", timeout=START_TIMEOUT + 120)
        assert done.returncode == 0, done.stdout + done.stderr + instance.log_tail()
        instance.start_output = done.stdout
        deadline = time.monotonic() + 120
        while True:  # healthy; the dag-processor has still to parse the DAG file once
            try:
                instance.dag_at_start = instance.api("GET", f"/api/v2/dags/{DAG}")
                break
            except urllib.error.HTTPError as missing:
                assert missing.code == 404 and time.monotonic() < deadline, instance.log_tail("dag-processor")
                time.sleep(2)
        instance.start_seconds = time.monotonic() - started
        print(f"airflow up in {instance.start_seconds:.0f}s")
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="module")
def nights(airflow):
    """Unpause; trigger two dates whose extract is missing, then two nights; backfill two dates; wait."""
    unpaused_at = pendulum.now("UTC")
    assert airflow.api("PATCH", f"/api/v2/dags/{DAG}", {"is_paused": False})["is_paused"] is False
    airflow.trigger("missing_newer", MISSING_NEWER)
    airflow.trigger("missing_older", MISSING_OLDER)
    started = time.monotonic()
    airflow.trigger("night_1", MANUAL["night_1"])                     # REST API, the date as `as_of`
    by_cli = airflow.cli("dags", "trigger", DAG, "--run-id", "night_2", "--logical-date", MANUAL["night_2"])
    assert by_cli.returncode == 0, by_cli.stdout[-2000:] + by_cli.stderr[-2000:]   # the README's CLI way
    backfill = airflow.cli("backfill", "create", "--dag-id", DAG, "--from-date", BACKFILL[0], "--to-date", BACKFILL[-1])
    assert backfill.returncode == 0, backfill.stdout[-2000:] + backfill.stderr[-2000:]

    deadline = started + NIGHTS_TIMEOUT
    while True:
        runs = airflow.runs()
        backfills = [run_id for run_id, run in runs.items() if run["run_type"] == "backfill"]
        awaited = [*MANUAL, "missing_older", *backfills]
        if len(backfills) == len(BACKFILL) and all(runs[r]["state"] in ("success", "failed") for r in awaited):
            break
        if time.monotonic() > deadline:
            pytest.fail(f"nights not done after {NIGHTS_TIMEOUT}s: {airflow.diagnosis()}")
        time.sleep(3)
    print(f"four nights in {time.monotonic() - started:.0f}s")
    return {"unpaused_at": unpaused_at, "runs": runs, "backfills": backfills,
            "newer_tasks": airflow.tasks("missing_newer")}


def _published(airflow, as_of: str) -> str:
    return json.loads((airflow.paths.out / as_of / "_batch.json").read_text())["as_of"]


def test_make_airflow_prints_the_ui_and_the_password_and_a_new_dag_waits_paused(airflow):
    password = json.loads((airflow.home / "simple_auth_manager_passwords.json.generated").read_text())["admin"]
    assert f"UI:       http://127.0.0.1:{airflow.port}" in airflow.start_output
    assert f"password: {password}" in airflow.start_output
    again = airflow.cli("start")  # already running: says where
    assert again.returncode == 0 and f"http://127.0.0.1:{airflow.port}" in again.stdout
    dag = airflow.dag_at_start
    assert dag["is_paused"], "a new DAG waits to be unpaused"
    assert dag["timetable_summary"] == "nightly 02:00 Asia/Shanghai"
    assert "Asia/Shanghai" in dag["timetable_description"]
    pool = airflow.api("GET", "/api/v2/pools/arrears_warehouse")
    assert pool["slots"] == 1


def test_scheduler_runs_two_triggered_business_dates(airflow, nights):
    """One date given as `as_of` (REST API), one as the CLI's `--logical-date D`: each night publishes it."""
    assert pendulum.parse(nights["runs"]["night_2"]["logical_date"]) == pendulum.parse(MANUAL["night_2"], tz="UTC")
    for run_id, as_of in MANUAL.items():
        assert nights["runs"][run_id]["state"] == "success", airflow.diagnosis()
        assert _published(airflow, as_of) == as_of


def test_a_missing_extract_does_not_stop_a_manual_run_of_another_date(airflow, nights):
    """`missing_newer` (no extract yet, none newer delivered) was triggered first and still waits, without
    holding the warehouse, while the two nights after it succeeded; `missing_older` (a newer extract is
    there) failed at once, without retry. Each sensor log names the path, the waiting one its deadline."""
    runs = nights["runs"]
    assert runs["missing_newer"]["state"] == "running"
    # between its looks (every 5 minutes) the sensor is up_for_reschedule; it may be caught looking again
    assert nights["newer_tasks"]["wait_for_extract"]["state"] in ("up_for_reschedule", "scheduled", "queued", "running")
    assert nights["newer_tasks"].get("ingest", {}).get("state") is None, "nothing of that night touched the warehouse"
    assert all(runs[run_id]["end_date"] for run_id in MANUAL)
    waiting = airflow.task_log("missing_newer", "wait_for_extract")
    assert f"waiting for {airflow.paths.landing / MISSING_NEWER / '_manifest.json'} until " in waiting

    assert runs["missing_older"]["state"] == "failed"
    older = airflow.tasks("missing_older")
    assert (older["wait_for_extract"]["state"], older["wait_for_extract"]["try_number"]) == ("failed", 1)
    assert older["ingest"]["state"] == "upstream_failed"
    failed = airflow.task_log("missing_older", "wait_for_extract")
    assert f"{airflow.paths.landing / MISSING_OLDER / '_manifest.json'} is missing" in failed
    assert f"newer extract of {_day(DAYS - 1)} has been delivered" in failed


def test_backfill_runs_exactly_the_business_dates_given(airflow, nights):
    """`airflow backfill create --from-date D1 --to-date D2` runs business dates D1..D2, both included:
    each run's logical date is its business date (00:00 in the lender's zone) and it publishes that date."""
    runs = nights["runs"]
    at = {run_id: pendulum.parse(runs[run_id]["logical_date"]).in_timezone("Asia/Shanghai") for run_id in nights["backfills"]}
    assert all(moment.time() == pendulum.time(0, 0) for moment in at.values()), at
    assert sorted(moment.to_date_string() for moment in at.values()) == BACKFILL
    for run_id, moment in at.items():
        assert runs[run_id]["state"] == "success", airflow.diagnosis()
        assert _published(airflow, moment.to_date_string()) == moment.to_date_string()


def test_first_unpause_starts_no_night_already_past(airflow, nights):
    """After minutes of scheduler loops since the unpause, no scheduled run exists, and the next one is
    the next 02:00 (lender time) to come."""
    assert not [run_id for run_id, run in nights["runs"].items() if run["run_type"] == "scheduled"]
    next_run = pendulum.parse(airflow.api("GET", f"/api/v2/dags/{DAG}")["next_dagrun_run_after"])
    assert next_run > nights["unpaused_at"]
    assert next_run.in_timezone("Asia/Shanghai").time() == pendulum.time(2, 0)
