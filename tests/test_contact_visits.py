"""End to end: field visits planned, announced, routed and published, through `run_night`.

Two nights of a hand-made late-stage book (nights Thu 2026-06-11 and Fri 06-12; visits on the next
day) with a policy whose notice comes 1 day before the visit:
- Beijing: V1..V4 (field agent F1 covers 北京市, capacity 2: two visited, two wait for capacity),
  VB blocked by a dispute, VP placed with the agency (DPD 150), VR reached by a call 2 days ago (no
  visit due), VQ with an open promise, VS below the visit's minimum amount;
- Shanghai S1 (F2 covers 上海市), Hangzhou H1 (F2 covers the city 杭州 of region 浙江省),
  New York U1 (F3 covers NY, visiting hours in New York time), Guangzhou G1 (no agent covers it);
- a call agent A1 (not field) and an inactive field agent F9 covering everything.
Night 1: every due visit gets its notice SMS; no visit. Night 2: visits for Saturday within the
agents' capacity and territory, in route order, inside the visiting hours of the address's zone.
(No visit on a Sunday or holiday, one visit per person per window: the dbt unit tests of
int_contact__visit_windows and int_contact__visit_assignment.)
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from pipelines.nightly import run_night
from pipelines.settings import DEFAULT_POLICY, Paths
from pipelines.warehouse import reader
from tests.extracts import agent, customer, installment, loan, write_extract

pytestmark = pytest.mark.slow
N1, N2 = date(2026, 6, 11), date(2026, 6, 12)

# loan id, customer, (region, city, postal code, country, zone), overdue amount, DPD on night 1
BEIJING = ("北京市", "北京", "100022", "CN", "Asia/Shanghai")
LOANS = [
    ("V1", BEIJING, "2000.00", 95), ("V2", ("北京市", "北京", "100010", "CN", "Asia/Shanghai"), "3000.00", 95),
    ("V3", BEIJING, "4000.00", 95), ("V4", ("北京市", "北京", "100010", "CN", "Asia/Shanghai"), "5000.00", 95),
    ("VB", BEIJING, "2000.00", 95), ("VP", BEIJING, "2000.00", 150), ("VR", BEIJING, "2000.00", 95),
    ("VQ", BEIJING, "2000.00", 95), ("VS", BEIJING, "500.00", 95),
    ("S1", ("上海市", "上海", "200120", "CN", "Asia/Shanghai"), "2000.00", 95),
    ("H1", ("浙江省", "杭州", "310000", "CN", "Asia/Shanghai"), "2000.00", 95),
    ("U1", ("NY", "New York", "10001", "US", "America/New_York"), "2000.00", 95),
    ("G1", ("广东省", "广州", "510000", "CN", "Asia/Shanghai"), "2000.00", 95),
    ("VL", ("上海市", "上海", "200001", "CN", "Asia/Shanghai"), "2000.00", 95),   # no phone: a letter notice
]
AGENTS = [
    agent("A1"),
    agent("F1", team="field", daily_capacity="2", regions="北京市"),
    agent("F2", team="field", daily_capacity="5", regions="上海市; 杭州"),
    agent("F3", team="field", daily_capacity="3", regions="NY"),
    agent("F9", team="field", daily_capacity="9", regions="北京市;上海市;杭州;NY;广东省", active="false"),
]
HOURS = ("09:00", "18:00")


def _policy(path) -> None:
    document = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    visits = document["contact"]["visits"]
    visits["notice"].update(days_before=1, channels=["sms", "letter"])
    visits["hours"].update(start=HOURS[0], end=HOURS[1])
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def _book(night: date) -> dict[str, list[dict]]:
    book = {"customers": [], "loans": [], "installments": [], "agents": AGENTS, "flags": [], "contact_attempts": []}
    for n, (loan_id, (region, city, postal, country, zone), amount, dpd_n1) in enumerate(LOANS, start=1):
        book["customers"].append(customer(
            f"C{loan_id}", phone="" if loan_id == "VL" else f"+86138000000{n:02d}" if country == "CN" else f"+1212555{n:04d}",
            email=f"c{n}@example.com", national_id="", region=region, city=city, postal_code=postal,
            country=country, timezone=zone, address_line1=f"{n} Road",
            preferred_language="zh-CN" if country == "CN" else "en"))
        book["loans"].append(loan(loan_id, f"C{loan_id}", principal_amount=amount, disbursed_on="2025-12-01",
                                  maturity_date="2027-01-01", currency="CNY" if country == "CN" else "USD"))
        book["installments"].append(installment(loan_id, 1, str(N1 - timedelta(days=dpd_n1)), amount))
    book["flags"].append({"subject_type": "loan", "subject_id": "VB", "flag": "dispute",
                          "effective_from": "2026-06-01", "effective_to": "", "note": ""})
    if night == N1:
        book["contact_attempts"] += [
            {"attempt_id": "T1", "loan_id": "VR", "customer_id": "CVR", "agent_id": "A1", "channel": "call",
             "started_at": "2026-06-09T10:00:00+08:00", "duration_seconds": "120", "outcome": "right_party_contact",
             "promise_amount": "", "promise_date": ""},
            {"attempt_id": "T2", "loan_id": "VQ", "customer_id": "CVQ", "agent_id": "A1", "channel": "call",
             "started_at": "2026-05-20T10:00:00+08:00", "duration_seconds": "120", "outcome": "promise_to_pay",
             "promise_amount": "2000.00", "promise_date": "2026-06-30"},
        ]
    return book


def _rows(warehouse, sql, params=()):
    with reader(warehouse) as con:
        cursor = con.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]


def _csv(paths, night, name):
    return list(csv.DictReader(io.StringIO((paths.out / str(night) / name).read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("visits")
    paths = Paths.resolve(landing=tmp / "landing", warehouse=tmp / "warehouse" / "arrears.duckdb",
                          out=tmp / "outbox", policy=tmp / "policy.yaml")
    _policy(paths.policy)
    for night in (N1, N2):
        write_extract(paths.landing, night, _book(night))
        run_night(night, paths)
    return paths


def test_night_one_announces_every_due_visit_and_visits_nobody(nights):
    paths = nights
    assert _csv(paths, N1, "field_visits.csv") == []
    notices = {r["loan_id"]: r for r in _csv(paths, N1, "sms.csv") if r["template"] == "visit_notice"}
    # due: amount >= 1,000, no right-party call in 14 days, not blocked, no open promise, not placed
    assert sorted(notices) == ["G1", "H1", "S1", "U1", "V1", "V2", "V3", "V4"]   # VL: by letter
    assert "上门" in notices["V1"]["text"] and "visit" in notices["U1"]["text"]
    # VL has no usable phone: its notice is a letter, printed in the night's letters batch
    manifests = [r for f in sorted((paths.out / str(N1) / "letters").glob("*.manifest.csv"))
                 for r in csv.DictReader(io.StringIO(f.read_text(encoding="utf-8")))]
    assert [(r["loan_id"], r["template"]) for r in manifests if r["template"] == "visit_notice"] == [("VL", "visit_notice")]
    visits = {r["loan_id"]: r for r in _rows(paths.warehouse, """
        select loan_id, status, reason from marts.contact_log where as_of_date = ? and channel = 'visit'""", [N1])}
    assert all(v["status"] == "withheld" for v in visits.values())
    assert visits["V1"]["reason"].startswith("notice:due tonight by sms")
    assert visits["VB"]["reason"].startswith("block:dispute")
    assert visits["VQ"]["reason"].startswith("promise:open")
    assert visits["VP"]["reason"].startswith("placed:agency")
    assert "VR" not in visits and "VS" not in visits   # a recent conversation, a small amount: not due
    outcomes = {r["loan_id"]: r["outcome"] for r in _rows(paths.warehouse, """
        select loan_id, outcome from marts.overdue_accountability where as_of_date = ?""", [N1])}
    assert outcomes["V1"] == "visit_pending_notice" and outcomes["VB"] == "suppressed"


def test_night_two_visits_within_capacity_territory_hours_and_after_the_notice(nights):
    paths = nights
    rows = _csv(paths, N2, "field_visits.csv")
    assert list(rows[0]) == ["visit_id", "loan_id", "customer_id", "agent_id", "visit_date", "visit_after",
                             "visit_before", "route_order", "full_name", "address_line1", "address_line2", "city",
                             "region", "postal_code", "country", "phone", "overdue_amount", "currency", "dpd",
                             "notice_sent_on", "reason"]
    by_loan = {r["loan_id"]: r for r in rows}
    # F1 (capacity 2) takes the two most urgent Beijing loans; F2 Shanghai and Hangzhou; F3 New York
    assert {k: v["agent_id"] for k, v in by_loan.items()} == {"V4": "F1", "V3": "F1", "S1": "F2", "H1": "F2",
                                                              "U1": "F3"}
    regions = {a["agent_id"]: {x.strip().lower() for x in a["regions"].split(";")} for a in AGENTS if "regions" in a}
    capacity = {a["agent_id"]: int(a["daily_capacity"]) for a in AGENTS}
    for r in rows:
        # in the agent's territory (region or city), within capacity, after its notice, inside the hours
        assert r["region"].lower() in regions[r["agent_id"]] or r["city"].lower() in regions[r["agent_id"]]
        assert r["visit_date"] == str(N2 + timedelta(days=1))
        assert date.fromisoformat(r["notice_sent_on"]) <= N2 + timedelta(days=1) - timedelta(days=1)
        zone = ZoneInfo("America/New_York" if r["country"] == "US" else "Asia/Shanghai")
        after, before = datetime.fromisoformat(r["visit_after"]), datetime.fromisoformat(r["visit_before"])
        assert after.astimezone(zone).strftime("%H:%M") == HOURS[0] and before.astimezone(zone).strftime("%H:%M") == HOURS[1]
        assert after.astimezone(zone).date().isoformat() == r["visit_date"]
    for agent_id in {r["agent_id"] for r in rows}:
        assert sum(r["agent_id"] == agent_id for r in rows) <= capacity[agent_id]
    # route order: 1..n per agent, visits of one postal code next to each other
    for agent_id in {r["agent_id"] for r in rows}:
        day = sorted((int(r["route_order"]), r["postal_code"]) for r in rows if r["agent_id"] == agent_id)
        assert [o for o, _ in day] == list(range(1, len(day) + 1))
        codes = [p for _, p in day]
        assert all(codes.index(p) + codes.count(p) - 1 == len(codes) - 1 - codes[::-1].index(p) for p in codes)
    assert by_loan["V4"]["route_order"] == "1" and by_loan["V3"]["route_order"] == "2"  # 100010 before 100022
    withheld = {r["loan_id"]: r["reason"] for r in _rows(paths.warehouse, """
        select loan_id, reason from marts.contact_log where as_of_date = ? and channel = 'visit'
            and status = 'withheld'""", [N2])}
    assert withheld["V1"].startswith("capacity:field_agents_full") and withheld["V2"].startswith("capacity:")
    assert withheld["G1"].startswith("capacity:no_field_agent")
    # the letter is mailed two business days after night 1 (Mon 06-15): the visit waits for it
    assert withheld["VL"] == "notice:pending (sent by letter on 2026-06-15; visits from 2026-06-16)"
    assert withheld["VP"].startswith("placed:") and withheld["VB"].startswith("block:")
    # nothing scheduled for a blocked, placed or promised loan, nor without a notice sent before
    scheduled = _rows(paths.warehouse, """
        select v.loan_id from marts.field_visits v where v.loan_id in ('VB', 'VP', 'VQ', 'VR', 'VS')""")
    assert scheduled == []
    outcomes = {r["loan_id"]: (r["outcome"], r["reason"]) for r in _rows(paths.warehouse, """
        select loan_id, outcome, reason from marts.overdue_accountability where as_of_date = ?""", [N2])}
    assert outcomes["V4"][0] == "visit_scheduled" and "F1" in outcomes["V4"][1]
    # the call agent list never gets a field agent
    assert {r["agent_id"] for r in _csv(paths, N2, "call_list.csv")} <= {"A1"}


def test_no_visit_anywhere_breaks_a_rule(nights):
    """Whatever the nights: every scheduled visit had a notice sent at least days_before earlier, an agent
    of the field team covering the address, no agent over capacity, no block, placement or open promise."""
    paths = nights
    bad = _rows(paths.warehouse, """
        with v as (select * from marts.contact_log where channel = 'visit' and status = 'scheduled')
        select v.as_of_date, v.loan_id, 'no notice' as problem from v
        where not exists (select 1 from marts.contact_log n where n.loan_id = v.loan_id
                          and n.template = 'visit_notice' and n.status = 'scheduled'
                          and n.as_of_date < v.as_of_date)
        union all
        select v.as_of_date, v.loan_id, 'placed' from v
        inner join marts.placements p on p.loan_id = v.loan_id and p.as_of_date = v.as_of_date
            and p.recalled_on is null
        union all
        select as_of_date, agent_id, 'over capacity' from v group by as_of_date, agent_id
        having count(*) > (select max(daily_capacity) from staging.stg_agents a
                           where a.agent_id = v.agent_id and a.as_of_date = v.as_of_date)
    """)
    assert bad == []


def test_visit_unit_tests_and_visiting_days(nights, tmp_path):
    """The given/expect unit tests of the contact models incl. the visit models (default policy), of
    int_reporting_visits and of the accountability outcomes, and the visiting day built
    by dbt: a Saturday night plans no visit for the Sunday, a holiday eve none for the holiday of
    contact.calendar (a working day: night 2 above; the hours in New York: night 2's file)."""
    from pipelines.policy import load_policy
    from pipelines.transform import dbt_vars, run_dbt

    default = load_policy(DEFAULT_POLICY).dbt_vars()
    run_dbt(["test", "--select", "test_type:unit,path:models/intermediate/contact", "test_type:unit,field_visits",
             "test_type:unit,int_reporting_visits", "test_type:unit,overdue_accountability",
             "--vars", dbt_vars(N2, **default)], nights.warehouse)

    def day(as_of: date, policy_path=DEFAULT_POLICY) -> set:
        run_dbt(["run", "--select", "int_contact__visit_windows", "--vars",
                 dbt_vars(as_of, **load_policy(policy_path).dbt_vars())], nights.warehouse)
        return {(r["is_visiting_day"], r["day_problem"]) for r in _rows(nights.warehouse, """
            select distinct is_visiting_day, day_problem from intermediate.int_contact__visit_windows""")}

    assert day(date(2026, 6, 13)) == {(False, "window:no_visiting_day (2026-06-14 is a Sunday)")}
    document = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    document["contact"]["calendar"]["holidays"] = ["2026-06-19"]
    holiday = tmp_path / "holiday.yaml"
    holiday.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert day(date(2026, 6, 18), holiday) == {
        (False, "window:no_visiting_day (2026-06-19 is a holiday of contact.calendar)")}
