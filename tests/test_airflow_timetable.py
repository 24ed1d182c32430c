"""The DAG's timetable: a run's logical date is its business date, backfill bounds are business dates,
and with catchup off no past night is started by an unpause. Real Airflow objects, no scheduler."""
from __future__ import annotations

from datetime import date, timedelta

import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction

from pipelines import airflow_timetable
from pipelines.airflow_timetable import NightlyTimetable
from pipelines.nightly import business_date

ZONES = ["Asia/Shanghai", "America/New_York", "UTC"]


def lender_in(zone: str, tmp_path, monkeypatch) -> None:
    """The lender's time zone lives in the policy file (reporting.lender_timezone): a policy in `zone`."""
    import yaml

    from pipelines.settings import DEFAULT_POLICY

    document = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    document["reporting"]["lender_timezone"] = zone
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("ARREARS_POLICY", str(path))


def nightly(zone: str) -> NightlyTimetable:
    return NightlyTimetable(at="02:00", timezone=zone, late_start=timedelta(hours=6))


def _dates(timetable: NightlyTimetable, earliest, latest) -> list[date]:
    """What `airflow backfill create --from-date --to-date` iterates (SerializedDAG.iter_dagrun_infos_between)."""
    restriction = TimeRestriction(earliest, latest, catchup=True)
    found, info = [], None
    while info := timetable.next_dagrun_info(
        last_automated_data_interval=info.data_interval if info else None, restriction=restriction
    ):
        found.append(timetable.business_date(info.logical_date))
    return found


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("parsed_in", ["UTC", "lender"])
def test_backfill_bounds_are_the_business_dates_written(zone, parsed_in):
    """`--from-date 2026-10-01 --to-date 2026-10-03` processes exactly 1, 2 and 3 October, whatever
    time zone Airflow parsed the bounds in (the CLI uses [core] default_timezone, UTC by default)."""
    timetable = nightly(zone)
    tz = "UTC" if parsed_in == "UTC" else zone
    earliest, latest = pendulum.datetime(2026, 10, 1, tz=tz), pendulum.datetime(2026, 10, 3, tz=tz)
    assert _dates(timetable, earliest, latest) == [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)]
    assert _dates(timetable, earliest, earliest) == [date(2026, 10, 1)], "--from-date D --to-date D is night D"


@pytest.mark.parametrize("zone", ZONES)
def test_logical_date_is_the_business_date_and_the_run_starts_the_next_night_at_two(zone, monkeypatch, tmp_path):
    lender_in(zone, tmp_path, monkeypatch)
    timetable = nightly(zone)
    info = timetable.next_dagrun_info(
        last_automated_data_interval=timetable.interval(date(2026, 11, 26)),
        restriction=TimeRestriction(pendulum.datetime(2026, 1, 1, tz=zone), None, catchup=True),
    )
    assert info.logical_date == pendulum.datetime(2026, 11, 27, tz=zone)
    assert info.data_interval.end == pendulum.datetime(2026, 11, 28, tz=zone)
    assert info.run_after == pendulum.datetime(2026, 11, 28, 2, 0, tz=zone)
    assert business_date(None, info.data_interval.start) == date(2026, 11, 27), "the DAG's prepare agrees"


def test_summary_and_description_name_the_lenders_time_zone():
    timetable = nightly("Asia/Shanghai")
    assert timetable.summary == "nightly 02:00 Asia/Shanghai"
    assert "Asia/Shanghai" in timetable.description and "business date" in timetable.description
    assert NightlyTimetable.deserialize(timetable.serialize()).serialize() == timetable.serialize()


def _at(monkeypatch, now: pendulum.DateTime) -> None:
    monkeypatch.setattr(airflow_timetable.pendulum, "now", lambda tz="UTC": now.in_timezone(tz))


@pytest.mark.parametrize("local_now", ["2026-12-04T01:10", "2026-12-04T03:00", "2026-12-04T23:00"])
def test_first_unpause_waits_for_the_next_night_to_come(monkeypatch, local_now):
    """catchup=False: the first scheduled run is the next 02:00 to come, never a night already past,
    whose extract may never arrive."""
    now = pendulum.parse(local_now, tz="Asia/Shanghai")
    _at(monkeypatch, now)
    timetable = nightly("Asia/Shanghai")
    info = timetable.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"), None, catchup=False),
    )
    assert now < info.run_after <= now + timedelta(days=1)


def test_after_a_short_outage_the_missed_night_still_runs_but_not_a_week_old_one(monkeypatch):
    timetable = nightly("Asia/Shanghai")
    restriction = TimeRestriction(pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"), None, catchup=False)
    _at(monkeypatch, pendulum.datetime(2026, 12, 4, 2, 30, tz="Asia/Shanghai"))  # scheduler back at 02:30
    info = timetable.next_dagrun_info(last_automated_data_interval=timetable.interval(date(2026, 12, 2)),
                                      restriction=restriction)
    assert timetable.business_date(info.logical_date) == date(2026, 12, 3)
    _at(monkeypatch, pendulum.datetime(2026, 12, 4, 12, 0, tz="Asia/Shanghai"))  # ten hours late: next night
    info = timetable.next_dagrun_info(last_automated_data_interval=timetable.interval(date(2026, 11, 20)),
                                      restriction=restriction)
    assert timetable.business_date(info.logical_date) == date(2026, 12, 4)
    _at(monkeypatch, pendulum.datetime(2026, 12, 4, 2, 30, tz="Asia/Shanghai"))  # after a backfill of October
    info = timetable.next_dagrun_info(last_automated_data_interval=timetable.interval(date(2026, 10, 5)),
                                      restriction=restriction)
    assert timetable.business_date(info.logical_date) == date(2026, 12, 4), "unpausing after a backfill"


@pytest.mark.parametrize("given", ["2026-10-02T00:00:00+00:00", "2026-10-02T00:00:00+08:00", "2026-10-02T23:30:00-05:00"])
def test_a_manual_run_given_a_logical_date_processes_that_business_date(monkeypatch, given):
    """The UI and the REST API infer a manual run's data interval from the logical date the user gave."""
    monkeypatch.delenv("ARREARS_POLICY", raising=False)  # the packaged policy: Asia/Shanghai
    interval = nightly("Asia/Shanghai").infer_manual_data_interval(run_after=pendulum.parse(given))
    assert isinstance(interval, DataInterval)
    assert business_date(None, interval.start) == date(2026, 10, 2)
