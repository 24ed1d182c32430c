"""The contact window models compute only the zone keys the night's customers can use, and those rows
are the rows of the whole zone database (var contact_window_keys = all), on dates where a northern
and a southern-hemisphere zone change their clocks (D+1 is the day of the change, or D is).

dbt builds int_contact__zone_windows, int_contact__visit_windows and int_contact__recipients on a
warehouse holding only the customers (every kind of zone a customer can have: the DST zones, odd
offsets, a link name, padded, mis-cased, invalid, quoted, empty, none; countries padded, lower-case,
unknown; configured regions; a padded zone and two countries only ever delivered untidily) and no contact attempts, first for every date with the night's keys,
then for every date with all keys. The windows of the DST zones are also checked independently with
zoneinfo: local start and end on D+1 are the policy's hours.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import duckdb
import pytest
import pytz

from pipelines import transform
from pipelines.policy import load_policy
from pipelines.settings import DEFAULT_POLICY
from tests.conftest import release_dbt_connection
from tests.test_contact_rules import INPUT_DDL

pytestmark = pytest.mark.slow

# business dates D whose D+1 (the window's day) is a clock change in one of these zones, or the day
# after it: New York and London (north), Sydney, Lord Howe (30-minute DST) and Santiago (south;
# Santiago changes at local midnight, so the odd hours below fall into its gap and its fold)
DST_DATES = {
    "America/New_York": [date(2026, 3, 7), date(2026, 10, 31)],
    "Europe/London": [date(2026, 3, 28), date(2026, 10, 24)],
    "Australia/Sydney": [date(2026, 4, 4), date(2026, 10, 3)],
    "Australia/Lord_Howe": [date(2026, 4, 4), date(2026, 10, 3)],
    "America/Santiago": [date(2026, 4, 3), date(2026, 9, 5)],
}
DATES = sorted({d for dates in DST_DATES.values() for d in dates} | {date(2026, 3, 8)})
MODELS = ["int_contact__zone_windows", "int_contact__visit_windows", "int_contact__recipients"]
ZONES = [*DST_DATES, "Asia/Shanghai", "Europe/Berlin", "Asia/Kathmandu", "Pacific/Kiritimati", "Etc/GMT+12",
         "UTC", "US/Eastern", " Asia/Tokyo ", "europe/london", "Mars/Olympus", "x'); drop table t; --", "", None]
COUNTRIES = ["US", " us ", "AU", " cl", "gb ", "CN", "DE", "XX", "", None]  # CL and GB only as delivered untidily
REGIONS = {"US": {"NY": ["America/New_York"], "CA": ["America/Los_Angeles"]},
           "AU": {"NSW": ["Australia/Sydney"], "WA": ["Australia/Perth"]}}


def policy_vars(keys: str) -> str:
    """The packaged policy with configured regions and odd hours per country: London's start and
    Santiago's start and end fall into their clock changes (a gap and a fold)."""
    document = load_policy(DEFAULT_POLICY).dbt_vars()
    contact = document["contact_policy"]
    contact["timezones_by_region"] = REGIONS
    contact["window"]["by_country"] = {"CN": [480, 1320], "GB": [90, 1290], "CL": [30, 1410]}
    contact["visits"]["hours"]["by_country"] = {"GB": [90, 1290], "CL": [30, 1410]}
    return transform.policy_vars(**document, contact_window_keys=keys)


def customers(day: date) -> list[dict]:
    """Every listed zone with every listed country, regions NY / nsw / none, and 25 zones of the
    database drawn per date."""
    rng = random.Random(day.toordinal())
    zones = ZONES + rng.sample(pytz.all_timezones, 25)
    out = []
    for i, zone in enumerate(zones):
        for j, country in enumerate(COUNTRIES if i < len(ZONES) else [rng.choice(COUNTRIES)]):
            out.append({"as_of_date": day, "customer_id": f"C{i}-{j}", "person_id": f"P{i}-{j}",
                        "timezone": zone, "country": country, "region": [" ny", "NSW", None][(i + j) % 3],
                        "phone": "+12025550100", "email": "a@example.com", "address_line1": "1 Main St",
                        "city": "X", "phone_is_valid": True, "email_is_valid": True})
    return out


def table(warehouse, relation: str) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(f"select * from {relation}")
        names = [d[0] for d in cursor.description]
        return {r[0]: dict(zip(names, r)) for r in cursor.fetchall()}


def build(warehouse, keys: str) -> dict:
    """{date: {model: {first column: row}}} built by dbt with var contact_window_keys = keys."""
    out = {}
    for day in DATES:
        try:
            transform.run_dbt(["run", "--select", *MODELS, "--vars", policy_vars(keys)], warehouse, as_of=day)
        finally:
            release_dbt_connection()
        out[day] = {m: table(warehouse, f"intermediate.{m}") for m in MODELS}
    return out


def test_night_keys_equal_every_key_on_dst_dates(tmp_path):
    for zone, dates in DST_DATES.items():  # each date is a clock change on D+1 in that zone
        offsets = {d: {ZoneInfo(zone).utcoffset(datetime.combine(d + timedelta(days=k), time(12)))
                       for k in (0, 1, 2)} for d in dates}
        assert all(len(o) == 2 for o in offsets.values()), (zone, offsets)
    warehouse = tmp_path / "arrears.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(INPUT_DDL)
        rows = [r for day in DATES for r in customers(day)]
        columns = list(rows[0])
        con.executemany(f"insert into staging.stg_customers ({', '.join(columns)}) "
                        f"values ({', '.join('?' * len(columns))})", [[r[c] for c in columns] for r in rows])

    night, every = build(warehouse, "night"), build(warehouse, "all")
    regions = {f"region:{cc}:{r}" for cc, per in REGIONS.items() for r in per}
    for day in DATES:
        # the same recipient rows, windows included, for every customer (own zone, region, country, book)
        assert night[day]["int_contact__recipients"] == every[day]["int_contact__recipients"], day
        used = {r["zone_key"] for r in night[day]["int_contact__recipients"].values()} - {"book", None}
        for model in ("int_contact__zone_windows", "int_contact__visit_windows"):
            computed = night[day][model]
            # only the keys the night can use (and the configured regions), each equal to the full table's row
            assert used <= set(computed) <= used | regions, (day, model, set(computed) - used)
            assert {k: every[day][model][k] for k in computed} == computed, (day, model)
        assert len(night[day]["int_contact__zone_windows"]) < 60 < 800 < len(every[day]["int_contact__zone_windows"])

        # independently: the window on D+1 is the policy's local hours in the zone, across the change
        tomorrow = day + timedelta(days=1)
        hours = {"America/New_York": (8, 21), "Australia/Sydney": (8, 21), "Australia/Lord_Howe": (8, 21),
                 "Europe/Berlin": (8, 21), "Asia/Shanghai": (8, 22)}
        for zone, (start, end) in hours.items():
            row = night[day]["int_contact__zone_windows"][f"tz:{zone}"]
            local = ZoneInfo(zone)
            assert row["window_start_utc"].astimezone(local).replace(tzinfo=None) == datetime.combine(tomorrow, time(start))
            assert row["window_end_utc"].astimezone(local).replace(tzinfo=None) == datetime.combine(tomorrow, time(end))
            visit = night[day]["int_contact__visit_windows"][f"tz:{zone}"]
            assert visit["visit_start_utc"].astimezone(local).replace(tzinfo=None) == datetime.combine(tomorrow, time(9))
        assert night[day]["int_contact__zone_windows"]["tz:Asia/Kathmandu"]["window_start_utc"] == datetime.combine(
            tomorrow, time(2, 15), timezone.utc)
