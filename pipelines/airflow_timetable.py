"""The Airflow timetable of `arrears_nightly`: one run per business date of the lender.

A run's logical date *is* its business date: 00:00 of that date in the lender's time zone, with the
lender's whole day as the data interval. The run starts the next night at 02:00 there, once the day
has closed. So `airflow backfill create --from-date D1 --to-date D2` processes business dates D1..D2
(each bound's calendar date as written is a business date, whatever time zone Airflow parsed it in),
and a scheduled run never needs the wall clock to know its date.

With catchup off, the first scheduled run after the DAG is unpaused is the next night to come, never a
night already past (whose extract may never arrive), also after a backfill or a long pause. Only when the
night before ran, a night whose start was missed by at most `late_start` (the scheduler was down at 02:00)
still runs; other missed nights are backfilled on purpose.

Registered as an Airflow plugin through the `airflow.plugins` entry point of this package, so the
scheduler can deserialize it wherever `arrears` is installed.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pendulum
from airflow.plugins_manager import AirflowPlugin
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable
from airflow.utils.types import DagRunType

ONE_DAY = timedelta(days=1)


class NightlyTimetable(Timetable):
    """Every night at `at` in `timezone`, the business date that just closed."""

    periodic = True
    can_be_scheduled = True

    def __init__(self, *, at: str, timezone: str, late_start: timedelta) -> None:
        self.at = at
        self.timezone = timezone
        self.late_start = late_start
        self._at = time.fromisoformat(at)
        self.description = (
            f"At {at} {timezone} every night, the business date that just closed "
            f"(logical date = the business date, 00:00 {timezone})"
        )

    @property
    def summary(self) -> str:
        return f"nightly {self.at} {self.timezone}"

    def serialize(self) -> dict[str, Any]:
        return {"at": self.at, "timezone": self.timezone, "late_start": self.late_start.total_seconds()}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> NightlyTimetable:
        return cls(at=data["at"], timezone=data["timezone"], late_start=timedelta(seconds=data["late_start"]))

    # --- business date <-> instants -------------------------------------------------------------

    def interval(self, business_date: date) -> DataInterval:
        """The lender's whole day: its start is the run's logical date."""
        return DataInterval(self._local(business_date, time()), self._local(business_date + ONE_DAY, time()))

    def run_after(self, business_date: date) -> pendulum.DateTime:
        """The night after the business date, at `at` local time."""
        return self._local(business_date + ONE_DAY, self._at)

    def business_date(self, instant: pendulum.DateTime) -> date:
        return instant.in_timezone(self.timezone).date()

    def due_at(self, instant: pendulum.DateTime) -> date:
        """The newest business date whose night has started by `instant`."""
        day = self.business_date(instant)
        while self.run_after(day) > instant:
            day -= ONE_DAY
        return day

    def _local(self, day: date, at: time) -> pendulum.DateTime:
        return pendulum.datetime(day.year, day.month, day.day, at.hour, at.minute, tz=self.timezone).in_timezone("UTC")

    def _info(self, business_date: date) -> DagRunInfo:
        return DagRunInfo(run_after=self.run_after(business_date), data_interval=self.interval(business_date))

    def generate_run_id(self, *, run_type, run_after, data_interval: DataInterval | None, **extra) -> str:
        """Scheduled runs are named by their business date: `scheduled__2026-10-02` (Airflow names
        backfill runs itself, by their start time)."""
        if data_interval is None or run_type != DagRunType.SCHEDULED:
            return super().generate_run_id(run_type=run_type, run_after=run_after, data_interval=data_interval, **extra)
        return run_type.generate_run_id(suffix=self.business_date(pendulum.instance(data_interval.start)).isoformat())

    # --- the Timetable protocol ------------------------------------------------------------------

    def infer_manual_data_interval(self, *, run_after: pendulum.DateTime) -> DataInterval:
        """A manual run given a logical date (UI, REST API) processes that calendar date, as written."""
        return self.interval(pendulum.instance(run_after).date())

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, restriction: TimeRestriction
    ) -> DagRunInfo | None:
        candidates = []
        if last_automated_data_interval is not None:
            candidates.append(self.business_date(pendulum.instance(last_automated_data_interval.start)) + ONE_DAY)
        elif restriction.earliest is not None:
            candidates.append(_first_date_on_or_after(restriction.earliest))
        if not restriction.catchup:
            now = pendulum.now("UTC")
            newest_due = self.due_at(now)
            # the next night to come; only when the night before it ran (the scheduler was just down at
            # `at`), the newest night already due, if not later than `late_start`
            previous_ran = bool(candidates) and last_automated_data_interval is not None and candidates[0] == newest_due
            missed_recently = previous_ran and now - self.run_after(newest_due) <= self.late_start
            candidates.append(newest_due if missed_recently else newest_due + ONE_DAY)
        if not candidates:
            return None
        business_date = max(candidates)
        if restriction.latest is not None and business_date > restriction.latest.date():
            return None
        return self._info(business_date)


def _first_date_on_or_after(bound) -> date:
    """A bound's calendar date as written (its wall clock), rounded up to a whole day."""
    return bound.date() if bound.time() == time() else bound.date() + ONE_DAY


class ArrearsTimetablePlugin(AirflowPlugin):
    name = "arrears_timetable"
    timetables = [NightlyTimetable]
