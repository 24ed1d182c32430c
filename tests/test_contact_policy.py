"""The contact section of the policy, the message templates and the SMS arithmetic (no dbt)."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from jinja2.exceptions import SecurityError

from pipelines.contact.outbox import local_iso, neutralise
from pipelines.contact.policy import contact_dbt_vars, load_contact_policy, parse_contact
from pipelines.contact.render import DEFAULT_TEMPLATES, Renderer, message_context
from pipelines.contact.sms import segments
from pipelines.errors import PolicyError
from pipelines.lender import packaged_lender
from pipelines.policy import load_policy, packaged_section
from pipelines.settings import DEFAULT_POLICY

LENDER = packaged_lender()


def _policy(tmp_path: Path, contact, lender_change=None) -> Path:
    document = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    document["contact"] = contact
    if lender_change is not None:
        lender_change(document["lender"])
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_a_missing_contact_section_is_the_packaged_one():
    assert parse_contact(None, DEFAULT_POLICY).dbt_vars() == load_contact_policy(DEFAULT_POLICY).dbt_vars()


def test_policy_dbt_vars_carry_the_contact_section():
    merged = load_policy(DEFAULT_POLICY).dbt_vars()
    assert merged["contact_policy"] == contact_dbt_vars(DEFAULT_POLICY)["contact_policy"]
    json.dumps(merged)  # JSON-able: passed to dbt --vars
    limits = merged["contact_policy"]["limits"]
    assert limits == {"calls_per_debt_per_7_days": 7, "pause_days_after_conversation": 7,
                      "attempts_per_number_per_day": 6, "connected_calls_per_person_per_day": 3,
                      "sms_per_person_per_day": 1, "emails_per_person_per_day": 1, "sms_max_segments": 1}
    assert merged["contact_policy"]["window"] == {"start_minute": 480, "end_minute": 1260, "by_country": {}}


def test_a_policy_without_contact_section_gets_the_strict_defaults(tmp_path):
    document = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    del document["contact"]
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert contact_dbt_vars(path) == contact_dbt_vars(DEFAULT_POLICY)


@pytest.mark.parametrize("change, key, words", [
    (lambda c: c["limits"].update(calls_per_debt_per_7_days=-1), "contact.limits.calls_per_debt_per_7_days", "below 0"),
    (lambda c: c["limits"].update(calls_per_week=3), "contact.limits.calls_per_week", "unknown key"),
    (lambda c: c["window"].update(start="8am"), "contact.window.start", "time of day"),
    (lambda c: c["window"].update(start="22:00"), "contact.window.end", "not after start"),
    (lambda c: c["window"]["by_country"].update(CN={"start": "08:00", "end": "07:00"}),
     "contact.window.by_country.CN.end", "not after start"),
    (lambda c: c.update(unknown_timezone="guess"), "contact.unknown_timezone", "not one of"),
    (lambda c: c["timezones_by_region"].update(US={"CA": ["America/Hollywood"]}),
     "contact.timezones_by_region.US.CA[0]", "IANA"),
    (lambda c: c.update(blocks=["dispute", "holiday"]), "contact.blocks[1]", "not one of"),
    (lambda c: c["stages"]["early"]["actions"][0].update(channel="fax"), "contact.stages.early.actions[0].channel",
     "not one of"),
    (lambda c: c["stages"]["early"]["actions"][0].update(on_dpd=[3, 1]), "contact.stages.early.actions[0].on_dpd",
     "increasing"),
    (lambda c: c["stages"]["early"]["actions"][0].update(from_dpd=2), "contact.stages.early.actions[0].on_dpd",
     "not both"),
    (lambda c: c["stages"]["early"]["actions"][0].update(template="no_such_text"),
     "contact.stages.early.actions[0].template", "no zh-CN text"),
    (lambda c: c["stages"]["early"]["challenger"].update(share="1.5"), "contact.stages.early.challenger.share",
     "above 1"),
    (lambda c: c["stages"]["late"]["actions"][4].pop("on_dpd"), "contact.stages.late.actions[4].on_dpd", "one-off"),
    (lambda c: c["calendar"].update(holidays=["2026-10-01", "1 October"]), "contact.calendar.holidays[1]",
     "not a date"),
    (lambda c: c["calendar"].update(holidays=["2026-10-10"], workdays=["2026-10-10"]), "contact.calendar",
     "both a holiday and a workday"),
    (lambda c: c.update(address_required={"default": ["full_name"], "by_country": {"Hong Kong": ["full_name"]}}),
     "contact.address_required.by_country.Hong Kong", "ISO 3166-1"),
    (lambda c: c.update(address_required={"by_country": {}}), "contact.address_required.default", "missing"),
    (lambda c: c["letters"].update(mailing_lag_days=-1), "contact.letters.mailing_lag_days", "below 0"),
    # field visits
    (lambda c: c["visits"]["hours"].update(start="06:00"), "contact.visits.hours", "outside the contact hours"),
    (lambda c: c["visits"]["hours"].update(end="23:00"), "contact.visits.hours", "no visits at night"),
    (lambda c: c["visits"]["hours"]["by_country"].update(CN={"start": "10:00", "end": "09:00"}),
     "contact.visits.hours.by_country.CN.end", "not after start"),
    (lambda c: c["visits"].update(sundays="yes"), "contact.visits.sundays", "not true or false"),
    (lambda c: c["visits"]["notice"].update(days_before=0), "contact.visits.notice.days_before", "below 1"),
    (lambda c: c["visits"]["notice"].update(valid_days=3), "contact.visits.notice.valid_days", "below 4"),
    (lambda c: c["visits"]["notice"].update(channels=["sms", "pigeon"]), "contact.visits.notice.channels[1]",
     "not one of"),
    (lambda c: c["visits"]["notice"].update(channels=[]), "contact.visits.notice.channels", "non-empty"),
    (lambda c: c["visits"]["notice"].update(template="no_such_notice"), "contact.visits.notice.template",
     "has no zh-CN text"),
    (lambda c: c["visits"].update(once_per_days=0), "contact.visits.once_per_days", "below 1"),
    (lambda c: c["visits"].update(teams="field"), "contact.visits.teams", "unknown key"),
    (lambda c: c["stages"]["late"]["actions"][-1].update(no_right_party_days=-2),
     "contact.stages.late.actions[6].no_right_party_days", "below 0"),
    (lambda c: c["stages"]["late"]["actions"][-1].update(on_dpd=[91]), "contact.stages.late.actions[6].on_dpd",
     "not for a visit"),
    (lambda c: c["stages"]["late"]["actions"][0].update(no_right_party_days=3),
     "contact.stages.late.actions[0].no_right_party_days", "only a visit action"),
    (lambda c: c["stages"]["late"]["actions"].append(dict(c["stages"]["late"]["actions"][-1], template="second")),
     "contact.stages.late.actions[7]", "one visit action per stage"),
])
def test_bad_contact_policy_is_one_line_naming_file_and_key(tmp_path, change, key, words):
    contact = packaged_section("contact")
    change(contact)
    path = _policy(tmp_path, contact)
    with pytest.raises(PolicyError) as error:
        load_contact_policy(path)
    message = str(error.value)
    assert message.startswith(f"{path}: {key}: ") and words in message and "\n" not in message


LONG_NAME = "一个名字非常非常非常非常非常非常长的消费金融有限责任公司"


def _without_language(lender: dict, language: str) -> None:
    """A lender that speaks one language less, consistently in every per-language mapping."""
    for value in [lender[k] for k in ("name", "legal_name", "address", "return_address", "department", "licence")] \
            + list(lender["payment"].values()) + list(lender["opt_out"].values()):
        value.pop(language)


@pytest.mark.parametrize("change, key, words", [
    (lambda x: _without_language(x, "en"), "lender.name.en", "missing"),   # contact.languages has en
    (lambda x: x["name"].update({"zh-CN": LONG_NAME}), "contact.promise.escalation_sms_template", "segments"),
])
def test_lender_the_contact_policy_cannot_use_is_one_line(tmp_path, change, key, words):
    path = _policy(tmp_path, packaged_section("contact"), lender_change=change)
    with pytest.raises(PolicyError) as error:
        load_contact_policy(path)
    message = str(error.value)
    assert message.startswith(f"{path}: {key}: ") and words in message and "\n" not in message


def test_more_segments_allowed_lets_a_longer_sender_through(tmp_path):
    contact = packaged_section("contact")
    contact["limits"]["sms_max_segments"] = 2
    path = _policy(tmp_path, contact, lender_change=lambda x: x["name"].update({"zh-CN": LONG_NAME}))
    assert load_contact_policy(path).limits["sms_max_segments"] == 2


def test_a_template_without_the_opt_out_wording_is_refused(tmp_path):
    import shutil

    shutil.copytree(DEFAULT_TEMPLATES, tmp_path / "templates")
    (tmp_path / "templates" / "sms" / "early_reminder.en.txt.j2").write_text(
        "{{ lender_name }}: {{ amount }} {{ currency }} overdue. Call {{ service_phone }}", encoding="utf-8")
    contact = packaged_section("contact")
    contact["templates_dir"] = "templates"
    path = _policy(tmp_path, contact)
    with pytest.raises(PolicyError, match="does not print the opt-out wording 'Reply STOP to opt out'"):
        load_contact_policy(path)


@pytest.mark.parametrize("text, encoding, count", [
    ("a" * 160, "GSM-7", 1),
    ("a" * 161, "GSM-7", 2),           # concatenated: 153 per segment
    ("a" * 306, "GSM-7", 2),
    ("a" * 307, "GSM-7", 3),
    ("{" * 80, "GSM-7", 1),            # extension characters count twice
    ("{" * 81, "GSM-7", 2),
    ("€" + "a" * 158, "GSM-7", 1),
    ("中" * 70, "UCS-2", 1),
    ("中" * 71, "UCS-2", 2),           # 67 per segment
    ("中" * 134, "UCS-2", 2),
    ("中" * 135, "UCS-2", 3),
    ("a" * 69 + "😀", "UCS-2", 2),     # outside the BMP: two code units
    ("ü" * 160, "GSM-7", 1),           # in the GSM alphabet
    ("ú" * 70, "UCS-2", 1),            # not in it
    ("", "GSM-7", 0),
])
def test_sms_segments(text, encoding, count):
    result = segments(text)
    assert (result.encoding, result.count) == (encoding, count)


def _all_templates() -> list[tuple[str, str, str]]:
    found = set()
    for path in DEFAULT_TEMPLATES.rglob("*.j2"):
        parts = path.name.split(".")
        if path.parent.name in ("sms", "email") and not path.name.startswith("_"):
            found.add((path.parent.name, parts[0], parts[1]))
    return sorted(found)


@pytest.mark.parametrize("channel, template, language", _all_templates())
def test_every_template_renders_politely_and_fits(channel, template, language):
    renderer = Renderer()
    context = message_context(loan_id="LN-000123456789", customer_name="<b>Tom & Jerry</b>", amount="9999999.99",
                              currency="CNY", due_date="2026-03-10", dpd=9999, language=language, lender=LENDER,
                              country="CN", message_id="m1")
    if channel == "sms":
        texts = [renderer.sms(template, language, context)]
        assert segments(texts[0]).count == 1
        assert "Tom" not in texts[0] and "LN-000123456789" not in texts[0]  # no name, no full number in an SMS
        assert "6789" in texts[0]
    else:
        subject, text, html = renderer.email(template, language, context)
        texts = [subject, text, html]
        assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in html and "<b>Tom" not in html   # autoescaped
        assert "<b>Tom & Jerry</b>" in text                                           # plain text is not
    joined = " ".join(texts)
    assert "9,999,999.99" in joined and "95000" in joined
    # opt-out wording in the message's language (every SMS; every e-mail's text and html)
    wording = {"sms": {"zh-CN": "回T退订", "en": "Reply STOP to opt out"},
               "email": {"zh-CN": "如不希望再收到此类邮件，请退订", "en": "To stop these e-mails, unsubscribe"}}
    assert all(wording[channel][language] in t for t in texts[-2:])
    # abroad (a US number): the hotline dialable from there, never the Chinese short number
    abroad = dict(context, **message_context(
        loan_id="LN-000123456789", customer_name="x", amount="1", currency="USD", due_date="2026-03-10", dpd=1,
        language=language, lender=LENDER, country="US", message_id="m1"))
    rendered = renderer.sms(template, language, abroad) if channel == "sms" else " ".join(
        renderer.email(template, language, abroad))
    assert "95000" not in rendered and "+86 21 6000 0000" in rendered
    # polite, never threatening (FDCPA 1692d, CBA/NIFA guidelines)
    assert not re.search(r"arrest|police|jail|prison|shame|警察|拘留|坐牢|曝光|通讯录|家人|单位", joined, re.I)


def test_templates_run_sandboxed(tmp_path):
    (tmp_path / "sms").mkdir()
    (tmp_path / "sms" / "evil.zh-CN.txt.j2").write_text("{{ loan_id.__class__.__mro__ }}", encoding="utf-8")
    renderer = Renderer(tmp_path)
    context = message_context(loan_id="L1", customer_name="", amount="1", currency="CNY", due_date="2026-03-10",
                              dpd=1, language="zh-CN", lender=LENDER, country="CN", message_id="m1")
    with pytest.raises(SecurityError):
        renderer.sms("evil", "zh-CN", context)


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+86138", "'+86138"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("张伟", "张伟"), ("a=b", "a=b"), (None, ""),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_local_times_carry_the_offset():
    from datetime import datetime, timezone

    instant = datetime(2026, 3, 16, 0, 0, tzinfo=timezone.utc)
    assert local_iso(instant, "Asia/Shanghai") == "2026-03-16T08:00:00+08:00"
    assert local_iso(instant, "America/New_York") == "2026-03-15T20:00:00-04:00"
    assert local_iso(None, "Asia/Shanghai") == ""


def test_calendar_dates_reach_dbt_sorted_whether_yaml_typed_them_or_not(tmp_path):
    contact = packaged_section("contact")
    contact["calendar"] = {"holidays": ["2026-10-02", "2026-10-01"], "workdays": ["2026-10-10"]}
    path = tmp_path / "policy.yaml"
    others = {k: v for k, v in yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8")).items() if k != "contact"}
    path.write_text(yaml.safe_dump(others, allow_unicode=True)
                    + "contact:\n  calendar:\n    holidays: [2026-10-02, '2026-10-01']\n    workdays: [2026-10-10]\n",
                    encoding="utf-8")  # YAML reads unquoted dates as dates
    assert contact_dbt_vars(path)["contact_policy"]["calendar"] == {"holidays": ["2026-10-01", "2026-10-02"],
                                                                     "workdays": ["2026-10-10"]}
    assert contact_dbt_vars(_policy(tmp_path, contact))["contact_policy"]["calendar"]["holidays"] == [
        "2026-10-01", "2026-10-02"]



def test_a_bad_contact_policy_stops_the_night_before_anything_is_written(tmp_path):
    """load_policy validates every section (contact: too) before ingest or validate write."""
    from pipelines.nightly import run_night
    from pipelines.settings import Paths
    from tests.extracts import small_book, write_extract

    contact = packaged_section("contact")
    contact["limits"]["sms_per_person_per_day"] = -1
    paths = Paths.resolve(landing=tmp_path / "landing", warehouse=tmp_path / "warehouse" / "arrears.duckdb",
                          out=tmp_path / "outbox", policy=_policy(tmp_path, contact))
    write_extract(paths.landing, "2026-03-11", small_book())
    with pytest.raises(PolicyError, match="contact.limits.sms_per_person_per_day: -1 is below 0"):
        run_night(date(2026, 3, 11), paths)
    assert not paths.warehouse.exists() and not paths.out.exists()


def test_policy_placements_section_is_validated(tmp_path):
    contact = packaged_section("contact")
    contact["placements"]["holders"].pop("legal")
    with pytest.raises(PolicyError, match="contact.placements.holders.legal: missing"):
        load_contact_policy(_policy(tmp_path, contact))
    contact = packaged_section("contact")
    contact["placements"]["recall_after_days"]["agency"] = 0
    with pytest.raises(PolicyError, match="contact.placements.recall_after_days.agency: 0 is below 1"):
        load_contact_policy(_policy(tmp_path, contact))
    assert load_contact_policy(DEFAULT_POLICY).placements["holders"]["agency"] == "Example Collections Agency Ltd"


def test_visit_policy_reaches_dbt_and_a_partial_section_takes_the_packaged_keys(tmp_path):
    contact = packaged_section("contact")
    contact["visits"] = {"notice": {"days_before": 5}, "sundays": True}
    visits = load_contact_policy(_policy(tmp_path, contact)).dbt_vars()["contact_policy"]["visits"]
    assert visits["notice"] == {"days_before": 5, "valid_days": 14, "channels": ["sms", "letter"],
                                "template": "visit_notice"}
    assert visits["sundays"] is True and visits["saturdays"] is True and visits["holidays"] is False
    assert visits["hours"] == {"start_minute": 540, "end_minute": 1080, "by_country": {}}
    actions = load_contact_policy(DEFAULT_POLICY).dbt_vars()["contact_policy"]["actions"]
    assert [(a["stage"], a["from_dpd"], a["min_amount"], a["no_right_party_days"]) for a in actions
            if a["channel"] == "visit"] == [("middle", 61, "1000.00", 14), ("late", 1, "1000.00", 14)]


def test_the_visit_notice_fits_one_sms_with_the_opt_out():
    policy = load_contact_policy(DEFAULT_POLICY)
    renderer = Renderer(DEFAULT_TEMPLATES)
    for language in policy.languages:
        context = message_context(loan_id="L" + "9" * 19, customer_name="X", amount="9999999.99", currency="CNY",
                                  due_date="2026-12-31", dpd=9999, language=language, lender=LENDER, country="US",
                                  message_id="f" * 32)
        text = renderer.sms("visit_notice", language, context)
        assert segments(text).count == 1 and LENDER.opt_out_text("sms", language) in text
