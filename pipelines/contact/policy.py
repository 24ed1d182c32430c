"""The `contact:` section of the collection policy: validate it, default it, hand it to dbt.

Every key has a default: the packaged `pipelines/policy/default.yaml`'s value (the strictest figure
of each contact rule), so a policy file without `contact:` is valid; the defaults live there only.
A problem is one line naming the file and the key path, e.g.

    policy/default.yaml: contact.limits.calls_per_debt_per_7_days: -1 is below 0

dbt reads the section as one var, `contact_policy` (`contact_dbt_vars(path)`), which
`pipelines.policy.Policy.dbt_vars()` includes: `arrears run` and the Airflow DAG pass it beside
`as_of_date` with everything else from the policy. `python -m pipelines.contact.policy [FILE]`
prints the var as JSON (for a hand-run `dbt build --vars ...`).
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any


from pipelines.errors import PolicyError
from pipelines.lender import COUNTRY, LANGUAGE, LenderIdentity, packaged_lender
from pipelines.policy import PolicyChecker

CHANNELS = ("sms", "email", "call", "letter", "legal_referral", "agency_placement", "visit")
MESSAGE_CHANNELS = ("sms", "email")              # rendered here from templates
CONTACT_CHANNELS = ("sms", "email", "call", "letter")  # reach the customer
REFERRAL_CHANNELS = ("legal_referral", "agency_placement")
NOTICE_CHANNELS = ("sms", "letter")              # a field visit is announced by one of these
STAGES = ("early", "middle", "late")
VARIANTS = ("champion", "challenger")
BLOCKABLE_FLAGS = ("dispute", "bankruptcy", "deceased", "cease_contact", "legal_hold", "hardship")
CUSTOMER_FIELDS = ("full_name", "address_line1", "address_line2", "city", "region", "postal_code", "country")
PRIORITIES = ("expected_recovery", "overdue_amount_x_dpd", "overdue_amount", "dpd")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# The worst case a short message must still fit in, checked when the policy is loaded: an SMS for a
# larger amount or DPD is withheld (reason template:sms_too_long), never split or truncated.
SMS_WORST_AMOUNT = Decimal("9999999.99")
SMS_WORST_DPD = 9999
SMS_WORST_CURRENCIES = ("CNY", "USD", "XXX")

# The defaults of every key are the packaged policy file's (pipelines/policy/default.yaml, read by
# pipelines.policy.packaged_section): the one place they live.
TOP_KEYS = ("languages", "templates_dir", "window", "timezones_by_region", "unknown_timezone", "limits",
            "blocks", "calendar", "promise", "priority", "channel_fallback", "address_required", "stages",
            "placements", "letters", "visits")
LIMIT_KEYS = ("calls_per_debt_per_7_days", "pause_days_after_conversation", "attempts_per_number_per_day",
              "connected_calls_per_person_per_day", "sms_per_person_per_day", "emails_per_person_per_day",
              "sms_max_segments")
PROMISE_KEYS = ("escalation_days", "escalation_priority_factor", "escalation_call_template", "escalation_sms_template")
LETTER_KEYS = ("registered", "contact_hours", "mailing_lag_days")
VISIT_KEYS = ("team", "hours", "saturdays", "sundays", "holidays", "notice", "once_per_days")
NOTICE_KEYS = ("days_before", "valid_days", "channels", "template")



@dataclass(frozen=True)
class Action:
    variant: str
    stage: str
    order: int                   # position in the stage's list: ties and duplicate channels resolve by it
    channel: str
    template: str
    on_dpd: tuple[int, ...]      # steps: each fires once per overdue episode (catching up on a missed night)
    from_dpd: int | None         # recurring from this DPD (None with on_dpd; 1 = the whole stage)
    every_days: int
    min_amount: Decimal
    countries: tuple[str, ...]   # empty: every country
    risk_bands: tuple[str, ...] = ()   # empty: every loan; else only loans scored in these bands (scoring.risk_bands)
    no_right_party_days: int = 0       # visits: due only when no call reached the debtor in this many days


@dataclass(frozen=True)
class ContactPolicy:
    path: Path
    lender: LenderIdentity
    languages: tuple[str, ...]
    templates_dir: Path
    window: tuple[int, int]                         # minutes after local midnight: [start, end)
    windows_by_country: dict[str, tuple[int, int]]
    timezones_by_region: dict[str, dict[str, tuple[str, ...]]]
    unknown_timezone: str                           # intersection | skip
    limits: dict[str, int]
    blocks: tuple[str, ...]
    promise: dict
    priority: str
    address_required: dict[str, tuple[str, ...]]   # "default" and ISO country codes -> required fields
    actions: tuple[Action, ...]
    challengers: dict[str, dict] = field(default_factory=dict)  # stage -> {share, salt}
    letters: dict = field(default_factory=dict)  # registered templates, contact hours, mailing lag
    channel_fallback: dict = field(default_factory=dict)  # sms <-> email when the customer lacks one
    calendar: dict = field(default_factory=lambda: {"holidays": (), "workdays": ()})  # ISO dates, sorted
    placements: dict = field(default_factory=dict)  # holders, recall_after_days per type; recalled_loans
    visits: dict = field(default_factory=dict)  # field visits: team, hours, visiting days, notice, window

    def address_fields(self, country: str | None) -> tuple[str, ...]:
        """The customer fields a letter to `country` needs (the SQL applies the same rule)."""
        return self.address_required.get((country or "").strip().upper(), self.address_required["default"])

    def fallback(self, channel: str, template: str) -> str | None:
        """The channel a message goes by when the customer has no usable address for `channel`:
        the policy's channel_fallback, when the template has a text for it in every language."""
        other = self.channel_fallback.get(channel)
        if other is None:
            return None
        from pipelines.contact.render import Renderer

        renderer = Renderer(self.templates_dir)
        return other if not any(renderer.missing(other, template, lang) for lang in self.languages) else None

    def dbt_vars(self) -> dict[str, Any]:
        """The one dbt var `contact_policy` (JSON-able: money as decimal text)."""
        return {"contact_policy": {
            "languages": list(self.languages),
            "window": {"start_minute": self.window[0], "end_minute": self.window[1],
                       "by_country": {c: list(w) for c, w in sorted(self.windows_by_country.items())}},
            "timezones_by_region": {c: {r: list(z) for r, z in sorted(rs.items())}
                                    for c, rs in sorted(self.timezones_by_region.items())},
            "unknown_timezone": self.unknown_timezone,
            "limits": dict(self.limits),
            "blocks": list(self.blocks),
            "calendar": {k: list(v) for k, v in self.calendar.items()},
            "promise": {**{k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.promise.items()},
                        "escalation_sms_fallback": self.fallback("sms", self.promise["escalation_sms_template"])},
            "priority": self.priority,
            "address_required": {k: list(v) for k, v in sorted(self.address_required.items())},
            "placements": {"holders": dict(self.placements["holders"]),
                           "recall_after_days": dict(self.placements["recall_after_days"]),
                           "recalled_loans": list(self.placements["recalled_loans"])},
            "visits": {"team": self.visits["team"],
                       "hours": {"start_minute": self.visits["hours"][0], "end_minute": self.visits["hours"][1],
                                 "by_country": {c: list(w) for c, w in sorted(self.visits["hours_by_country"].items())}},
                       "saturdays": self.visits["saturdays"], "sundays": self.visits["sundays"],
                       "holidays": self.visits["holidays"], "once_per_days": self.visits["once_per_days"],
                       "notice": {**self.visits["notice"], "channels": list(self.visits["notice"]["channels"])},
                       "mailing_lag_days": self.letters["mailing_lag_days"]},
            "sms_max_amount": str(SMS_WORST_AMOUNT),
            "sms_max_dpd": SMS_WORST_DPD,
            "challengers": {s: {"share_per_65536": c["share_per_65536"], "salt": c["salt"], "share": str(c["share"])}
                            for s, c in sorted(self.challengers.items())},
            "actions": [
                {"variant": a.variant, "stage": a.stage, "order": a.order, "channel": a.channel,
                 "template": a.template, "on_dpd": list(a.on_dpd), "from_dpd": a.from_dpd,
                 "every_days": a.every_days, "min_amount": str(a.min_amount), "countries": list(a.countries),
                 "fallback": self.fallback(a.channel, a.template),
                 **({"risk_bands": list(a.risk_bands)} if a.risk_bands else {}),
                 **({"no_right_party_days": a.no_right_party_days} if a.channel == "visit" else {})}
                for a in self.actions
            ],
        }}


def _calendar(check: PolicyChecker, value: Any) -> dict[str, tuple[str, ...]]:
    """Business days for the first-contact deadline: Monday-Friday, minus `holidays`, plus
    `workdays` (weekend days worked in lieu). ISO dates; YAML may hand them over as dates."""
    section = check.mapping(value, "contact.calendar", ("holidays", "workdays"))
    days = {}
    for name in ("holidays", "workdays"):
        key = f"contact.calendar.{name}"
        parsed = set()
        for i, day in enumerate(check.items(section.get(name, []), key)):
            try:
                parsed.add(day if isinstance(day, date) else date.fromisoformat(check.text(day, f"{key}[{i}]")))
            except ValueError:
                raise check.fail(f"{key}[{i}]", f"{day!r} is not a date YYYY-MM-DD") from None
        days[name] = tuple(sorted(d.isoformat() for d in parsed))
    both = set(days["holidays"]) & set(days["workdays"])
    if both:
        raise check.fail("contact.calendar", f"{min(both)} is both a holiday and a workday")
    return days


def _address_required(check: PolicyChecker, value: Any) -> dict[str, tuple[str, ...]]:
    """Customer fields a letter's address needs, per destination country: {"default": [...],
    "<ISO>": [...]} from the policy's default, without_postcode (the default minus postal_code) and
    by_country (a rule of its own); a plain list is the rule for every country."""
    key = "contact.address_required"
    if isinstance(value, list):
        value = {"default": value}
    section = check.mapping(value, key, ("default", "without_postcode", "by_country"), ("default",))

    def fields(items: Any, where: str) -> tuple[str, ...]:
        return tuple(check.choice(f, f"{where}[{i}]", CUSTOMER_FIELDS) for i, f in enumerate(check.items(items, where)))

    def country(code: Any, where: str) -> str:
        return check.text(code, where, COUNTRY, "an ISO 3166-1 alpha-2 code")

    rules = {"default": fields(section["default"], f"{key}.default")}
    for i, code in enumerate(check.items(section.get("without_postcode") or [], f"{key}.without_postcode")):
        rules[country(code, f"{key}.without_postcode[{i}]")] = tuple(f for f in rules["default"] if f != "postal_code")
    by_country = section.get("by_country") or {}
    for code, items in check.mapping(by_country, f"{key}.by_country", tuple(by_country)).items():
        rules[country(code, f"{key}.by_country.{code}")] = fields(items, f"{key}.by_country.{code}")
    return rules


PLACEMENT_TYPES = {"legal": "legal_referral", "agency": "agency_placement"}  # type -> the action's channel


def _placements(check: PolicyChecker, value: Any) -> dict:
    """Who holds a placed account (one holder per type: legal, agency) and when the lender takes it
    back: `recall_after_days` per type (null: never by age) and `recalled_loans` (loan ids recalled
    from the next night on)."""
    key = "contact.placements"
    section = check.mapping(value, key, ("holders", "recall_after_days", "recalled_loans"), ("holders",))
    holders_raw = check.mapping(section["holders"], f"{key}.holders", tuple(PLACEMENT_TYPES), tuple(PLACEMENT_TYPES))
    holders = {t: check.text(str(holders_raw[t]), f"{key}.holders.{t}") for t in PLACEMENT_TYPES}
    recall_raw = check.mapping(section.get("recall_after_days", {}), f"{key}.recall_after_days",
                               tuple(PLACEMENT_TYPES))
    recall = {t: (None if recall_raw.get(t) is None else
                  check.integer(recall_raw[t], f"{key}.recall_after_days.{t}", 1, 3650)) for t in PLACEMENT_TYPES}
    loans = sorted({check.text(str(x), f"{key}.recalled_loans[{i}]")
                    for i, x in enumerate(check.items(section.get("recalled_loans", []), f"{key}.recalled_loans"))})
    return {"holders": holders, "recall_after_days": recall, "recalled_loans": tuple(loans)}


def _visits(check: PolicyChecker, value: Any, window: tuple[int, int], windows_by_country: dict,
            languages: tuple[str, ...]) -> dict:
    """Field visits: the field team, visiting hours (local time; inside the contact hours of the
    country, so never at night), which days allow visits (Saturdays, Sundays, the calendar's holidays),
    the notice (sent by the first usable of `channels` at least `days_before` days before the visit;
    a notice older than `valid_days` is renewed) and at most one visit per person in `once_per_days`."""
    key = "contact.visits"
    section = check.mapping(value, key, VISIT_KEYS, VISIT_KEYS)
    team = check.text(str(section["team"]), f"{key}.team")
    hours_raw = section["hours"]
    check.mapping(hours_raw, f"{key}.hours", ("start", "end", "by_country"), ("start", "end"))
    hours = _window(check, {k: hours_raw[k] for k in ("start", "end")}, f"{key}.hours")
    by_country_raw = hours_raw.get("by_country") or {}
    by_country = {}
    for country, w in check.mapping(by_country_raw, f"{key}.hours.by_country",
                                    tuple(by_country_raw) if isinstance(by_country_raw, dict) else ()).items():
        check.text(country, f"{key}.hours.by_country.{country}", COUNTRY, "an ISO 3166-1 alpha-2 code")
        by_country[country] = _window(check, w, f"{key}.hours.by_country.{country}")
    # a visit is contact: its hours must lie inside the contact window of every country it may apply to
    for country in sorted(set(by_country) | set(windows_by_country) | {""}):
        visit = by_country.get(country, hours)
        allowed = windows_by_country.get(country, window)
        if visit[0] < allowed[0] or visit[1] > allowed[1]:
            where = f"{key}.hours" + (f".by_country.{country}" if country in by_country else "")
            raise check.fail(where, f"{_clock(visit[0])}-{_clock(visit[1])} is outside the contact hours "
                                    f"{_clock(allowed[0])}-{_clock(allowed[1])}"
                                    + (f" of {country}" if country else "") + " (contact.window): no visits at night")
    days = {}
    for name in ("saturdays", "sundays", "holidays"):
        if not isinstance(section[name], bool):
            raise check.fail(f"{key}.{name}", f"{section[name]!r} is not true or false")
        days[name] = section[name]
    notice_raw = check.mapping(section["notice"], f"{key}.notice", NOTICE_KEYS, NOTICE_KEYS)
    days_before = check.integer(notice_raw["days_before"], f"{key}.notice.days_before", 1, 60)
    valid_days = check.integer(notice_raw["valid_days"], f"{key}.notice.valid_days", days_before + 1, 365)
    channels = tuple(check.choice(c, f"{key}.notice.channels[{i}]", NOTICE_CHANNELS) for i, c in
                     enumerate(check.items(notice_raw["channels"], f"{key}.notice.channels", allow_empty=False)))
    if len(set(channels)) != len(channels):
        raise check.fail(f"{key}.notice.channels", f"{list(channels)} repeats a channel")
    template = check.text(notice_raw["template"], f"{key}.notice.template", NAME, "a template name (a-z, 0-9, _)")
    if "letter" in channels:
        from letters.templating import TEMPLATE_DIR

        for language in languages:
            if not (TEMPLATE_DIR / language / f"{template}.j2").is_file():
                raise check.fail(f"{key}.notice.template", f"letter template {template!r} has no {language} text "
                                                           f"({TEMPLATE_DIR / language / (template + '.j2')} is missing)")
    once = check.integer(section["once_per_days"], f"{key}.once_per_days", 1, 365)
    return {"team": team, "hours": hours, "hours_by_country": by_country, **days, "once_per_days": once,
            "notice": {"days_before": days_before, "valid_days": valid_days, "channels": channels,
                       "template": template}}


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _window(check: PolicyChecker, value: Any, key: str) -> tuple[int, int]:
    section = check.mapping(value, key, ("start", "end", "by_country") if key == "contact.window" else ("start", "end"),
                            ("start", "end"))
    start, end = check.clock(section["start"], f"{key}.start"), check.clock(section["end"], f"{key}.end")
    if start >= end:
        raise check.fail(f"{key}.end", f"{section['end']} is not after start {section['start']}")
    return start, end


def _actions(check: PolicyChecker, value: Any, key: str, stage: str, variant: str) -> list[Action]:
    actions = []
    for i, item in enumerate(check.items(value, key)):
        where = f"{key}[{i}]"
        item = check.mapping(item, where, ("channel", "template", "on_dpd", "from_dpd", "every_days", "min_amount",
                                           "countries", "risk_bands", "no_right_party_days"), ("channel", "template"))
        channel = check.choice(item["channel"], f"{where}.channel", CHANNELS)
        no_right_party_days = 0
        if channel == "visit":
            # a visit recurs by contact.visits.once_per_days, per person, after its notice
            for key_ in ("on_dpd", "every_days", "risk_bands"):
                if key_ in item:
                    raise check.fail(f"{where}.{key_}", "not for a visit: a visit is due from_dpd on (min_amount, "
                                                       "countries, no_right_party_days) and recurs at most once per "
                                                       "contact.visits.once_per_days per person")
            no_right_party_days = check.integer(item.get("no_right_party_days", 0), f"{where}.no_right_party_days",
                                                0, 365)
        elif "no_right_party_days" in item:
            raise check.fail(f"{where}.no_right_party_days", f"only a visit action has it, not a {channel}")
        template = check.text(item["template"], f"{where}.template", NAME, "a template name (a-z, 0-9, _)")
        if "on_dpd" in item and ("from_dpd" in item or "every_days" in item):
            raise check.fail(f"{where}.on_dpd", "give either on_dpd (steps) or from_dpd/every_days (recurring), not both")
        on_dpd: tuple[int, ...] = ()
        from_dpd = None
        if "on_dpd" in item:
            steps = [check.integer(d, f"{where}.on_dpd[{j}]", 1)
                     for j, d in enumerate(check.items(item["on_dpd"], f"{where}.on_dpd", allow_empty=False))]
            if steps != sorted(set(steps)):
                raise check.fail(f"{where}.on_dpd", f"{steps} must be increasing without repeats")
            on_dpd = tuple(steps)
        else:
            if channel in REFERRAL_CHANNELS:
                raise check.fail(f"{where}.on_dpd", f"missing: a {channel} is a one-off decision, give the DPD it is made on")
            from_dpd = check.integer(item.get("from_dpd", 1), f"{where}.from_dpd", 1)
        every_days = check.integer(item.get("every_days", 1), f"{where}.every_days", 1, 365)
        min_amount = check.decimal(item.get("min_amount", "0.00"), f"{where}.min_amount")
        countries = tuple(check.text(c, f"{where}.countries[{j}]", COUNTRY, "an ISO 3166-1 alpha-2 code")
                          for j, c in enumerate(check.items(item.get("countries", []), f"{where}.countries")))
        # the band names are checked against scoring.risk_bands by pipelines.scoring.policy.check_action_bands
        risk_bands = tuple(check.text(b, f"{where}.risk_bands[{j}]", NAME, "a risk band name")
                           for j, b in enumerate(check.items(item.get("risk_bands", []), f"{where}.risk_bands")))
        if any(a.channel == channel and a.template == template for a in actions):
            raise check.fail(f"{where}", f"{channel} {template} appears twice in {key}")
        if channel == "call" and on_dpd == () and any(a.channel == "call" and a.from_dpd is not None for a in actions):
            raise check.fail(f"{where}", f"a second recurring call in {key}: one call queue per stage")
        if channel == "visit" and any(a.channel == "visit" for a in actions):
            raise check.fail(f"{where}", f"a second visit in {key}: one visit action per stage")
        actions.append(Action(variant, stage, i, channel, template, on_dpd, from_dpd, every_days, min_amount, countries,
                              risk_bands, no_right_party_days))
    return actions


def _check_templates(check: PolicyChecker, policy_args: dict, actions: list[Action], key_of: dict) -> None:
    from pipelines.contact.render import Renderer, message_context
    from pipelines.contact.sms import segments

    renderer = Renderer(policy_args["templates_dir"])
    lender = policy_args["lender"]
    # the longest hotline the lender gives any country: an SMS must fit with each of them
    countries = sorted(lender.contacts_by_country, key=lambda c: (-len(lender.contacts(c).hotline), c))
    limit = policy_args["limits"]["sms_max_segments"]
    needed = {(a.channel, a.template): key_of[a] for a in actions if a.channel in MESSAGE_CHANNELS}
    promise = policy_args["promise"]
    needed.setdefault(("sms", promise["escalation_sms_template"]), "contact.promise.escalation_sms_template")
    visits = policy_args.get("visits")
    if visits and "sms" in visits["notice"]["channels"]:
        needed.setdefault(("sms", visits["notice"]["template"]), "contact.visits.notice.template")
    for (channel, template), key in sorted(needed.items()):
        for language in policy_args["languages"]:
            missing = renderer.missing(channel, template, language)
            if missing:
                raise check.fail(key, f"{channel} template {template!r} has no {language} text "
                                      f"({renderer.templates_dir / missing[0]} is missing)")
            for currency, country in [(c, countries[0]) for c in SMS_WORST_CURRENCIES] + [
                    (SMS_WORST_CURRENCIES[0], c) for c in countries[1:]]:
                context = message_context(loan_id="L" + "9" * 19, customer_name="X" * 40, amount=SMS_WORST_AMOUNT,
                                          currency=currency, due_date="2026-12-31", dpd=SMS_WORST_DPD,
                                          language=language, lender=lender, country=country,
                                          message_id="f" * 32)
                try:
                    if channel == "sms":
                        text = renderer.sms(template, language, context)
                        wording = lender.opt_out_text("sms", language)
                        if wording not in text:
                            raise check.fail(key, f"sms template {template!r} ({language}) does not print the opt-out "
                                                  f"wording {wording!r} (lender.opt_out.sms; use {{{{ opt_out }}}})")
                        parts = segments(text)
                        if parts.count > limit:
                            raise check.fail(key, f"sms template {template!r} ({language}) needs {parts.count} "
                                                  f"{parts.encoding} segments for an amount of {SMS_WORST_AMOUNT} "
                                                  f"{currency} ({parts.units} units), limit {limit} "
                                                  "(contact.limits.sms_max_segments)")
                    else:
                        wording = lender.opt_out_text("email", language)
                        for part, text in zip(("subject", "text", "html"), renderer.email(template, language, context)):
                            if part != "subject" and wording not in text:
                                raise check.fail(key, f"email template {template!r} ({language}, {part}) does not print "
                                                      f"the opt-out wording {wording!r} (lender.opt_out.email; use "
                                                      "{{ email_opt_out }} and {{ unsubscribe_link }})")
                except PolicyError:
                    raise
                except Exception as exc:  # a template that does not render is a policy problem
                    raise check.fail(key, f"{channel} template {template!r} ({language}) does not render: "
                                          f"{type(exc).__name__}: {exc}") from None


def parse_contact(section: Any, path: Path, lender: LenderIdentity | None = None) -> ContactPolicy:
    """Validate the `contact:` mapping (None: all defaults, the packaged policy file's) with the policy's
    lender identity (None: the packaged lender): messages print the lender's names, hotlines and opt-out wording."""
    from pipelines.policy import packaged_section

    check = PolicyChecker(path)
    section = {} if section is None else section
    check.mapping(section, "contact", TOP_KEYS)
    packaged = packaged_section("contact")
    get = lambda k: section.get(k, packaged[k])  # noqa: E731
    lender = packaged_lender() if lender is None else lender

    languages = tuple(check.text(x, f"contact.languages[{i}]", LANGUAGE, "a BCP 47 language tag")
                      for i, x in enumerate(check.items(get("languages"), "contact.languages", allow_empty=False)))
    if len({x.lower() for x in languages}) != len(languages):
        raise check.fail("contact.languages", f"{list(languages)} repeats a language")
    for language in languages:
        if language not in lender.names:
            raise check.fail(f"lender.name.{language}", "missing (the lender speaks every language in contact.languages)")

    templates_dir = get("templates_dir")
    if templates_dir is None:
        from pipelines.contact.render import DEFAULT_TEMPLATES
        templates_dir = DEFAULT_TEMPLATES
    else:
        templates_dir = (path.parent / check.text(templates_dir, "contact.templates_dir")).resolve()
        if not templates_dir.is_dir():
            raise check.fail("contact.templates_dir", f"{templates_dir} is not a folder")

    window_section = get("window")
    window = _window(check, window_section, "contact.window")
    by_country_raw = window_section.get("by_country", {}) if isinstance(window_section, dict) else {}
    by_country = {}
    for country, w in check.mapping(by_country_raw, "contact.window.by_country",
                                    tuple(by_country_raw) if isinstance(by_country_raw, dict) else ()).items():
        check.text(country, f"contact.window.by_country.{country}", COUNTRY, "an ISO 3166-1 alpha-2 code")
        by_country[country] = _window(check, w, f"contact.window.by_country.{country}")

    regions_raw = get("timezones_by_region")
    regions: dict[str, dict[str, tuple[str, ...]]] = {}
    import pytz  # the zone database dbt's Jinja uses (modules.pytz) to compute the windows

    for country, per_region in check.mapping(regions_raw, "contact.timezones_by_region",
                                             tuple(regions_raw) if isinstance(regions_raw, dict) else ()).items():
        check.text(country, f"contact.timezones_by_region.{country}", COUNTRY, "an ISO 3166-1 alpha-2 code")
        key = f"contact.timezones_by_region.{country}"
        check.mapping(per_region, key, tuple(per_region) if isinstance(per_region, dict) else ())
        regions[country] = {}
        for region, zones in per_region.items():
            zones = [zones] if isinstance(zones, str) else check.items(zones, f"{key}.{region}", allow_empty=False)
            for j, zone in enumerate(zones):
                if zone not in pytz.all_timezones_set:
                    raise check.fail(f"{key}.{region}[{j}]", f"{zone!r} is not an IANA time zone")
            regions[country][str(region)] = tuple(zones)

    unknown = check.choice(get("unknown_timezone"), "contact.unknown_timezone", ("intersection", "skip"))
    limits_raw = {**packaged["limits"], **check.mapping(get("limits"), "contact.limits", LIMIT_KEYS)}
    limits = {k: check.integer(limits_raw[k], f"contact.limits.{k}", 1 if k == "sms_max_segments" else 0, 1000)
              for k in LIMIT_KEYS}
    blocks = tuple(check.choice(b, f"contact.blocks[{i}]", BLOCKABLE_FLAGS)
                   for i, b in enumerate(check.items(get("blocks"), "contact.blocks")))
    calendar = _calendar(check, get("calendar"))
    promise_raw = {**packaged["promise"], **check.mapping(get("promise"), "contact.promise", PROMISE_KEYS)}
    promise = {
        "escalation_days": check.integer(promise_raw["escalation_days"], "contact.promise.escalation_days", 0, 365),
        "escalation_priority_factor": check.decimal(promise_raw["escalation_priority_factor"],
                                                    "contact.promise.escalation_priority_factor", 2, Decimal(1000)),
        "escalation_call_template": check.text(promise_raw["escalation_call_template"],
                                               "contact.promise.escalation_call_template", NAME, "a template name"),
        "escalation_sms_template": check.text(promise_raw["escalation_sms_template"],
                                              "contact.promise.escalation_sms_template", NAME, "a template name"),
    }
    priority = check.choice(get("priority"), "contact.priority", PRIORITIES)
    fallback_raw = check.mapping(get("channel_fallback"), "contact.channel_fallback", MESSAGE_CHANNELS)
    fallback = {}
    for channel, other in fallback_raw.items():
        if other is not None:
            fallback[channel] = check.choice(other, f"contact.channel_fallback.{channel}",
                                             tuple(c for c in MESSAGE_CHANNELS if c != channel))
    address = _address_required(check, get("address_required"))

    stages_raw = check.mapping(get("stages"), "contact.stages", STAGES)
    actions: list[Action] = []
    key_of: dict[Action, str] = {}
    challengers: dict[str, dict] = {}
    for stage in STAGES:
        if stage not in stages_raw:
            continue
        key = f"contact.stages.{stage}"
        stage_raw = check.mapping(stages_raw[stage], key, ("actions", "challenger"), ("actions",))
        champion = _actions(check, stage_raw["actions"], f"{key}.actions", stage, "champion")
        actions += champion
        key_of.update({a: f"{key}.actions[{a.order}].template" for a in champion})
        if "challenger" in stage_raw and stage_raw["challenger"] is not None:
            ckey = f"{key}.challenger"
            raw = check.mapping(stage_raw["challenger"], ckey, ("share", "salt", "actions"), ("share", "actions"))
            share = check.decimal(raw["share"], f"{ckey}.share", 4, Decimal(1))
            salt = check.text(str(raw.get("salt", stage)), f"{ckey}.salt")
            variant = _actions(check, raw["actions"], f"{ckey}.actions", stage, "challenger")
            if share > 0:
                challengers[stage] = {"share": share, "salt": salt, "share_per_65536": int(share * 65536)}
                actions += variant
                key_of.update({a: f"{ckey}.actions[{a.order}].template" for a in variant})
    placements = _placements(check, get("placements"))
    letters_raw = {**packaged["letters"], **check.mapping(get("letters"), "contact.letters", LETTER_KEYS)}
    registered = tuple(check.text(t, f"contact.letters.registered[{i}]", NAME, "a template name") for i, t in
                       enumerate(check.items(letters_raw.get("registered", []), "contact.letters.registered")))
    hours_raw = letters_raw["contact_hours"]
    hours = {k: check.text(v, f"contact.letters.contact_hours.{k}") for k, v in
             check.mapping(hours_raw, "contact.letters.contact_hours", languages).items()}
    lag = check.integer(letters_raw["mailing_lag_days"], "contact.letters.mailing_lag_days", 0, 30)
    visits_raw = {**packaged["visits"], **check.mapping(get("visits"), "contact.visits", VISIT_KEYS)}
    for sub in ("hours", "notice"):  # a key left out of these takes the packaged value too
        if isinstance(visits_raw[sub], dict) and visits_raw[sub] is not packaged["visits"][sub]:
            visits_raw[sub] = {**packaged["visits"][sub], **visits_raw[sub]}
    visits = _visits(check, visits_raw, window, by_country, languages)
    _check_templates(check, {"templates_dir": templates_dir, "lender": lender, "limits": limits,
                             "languages": languages, "promise": promise, "visits": visits}, actions, key_of)
    return ContactPolicy(
        path=path, lender=lender, languages=languages, templates_dir=templates_dir, window=window,
        windows_by_country=by_country, timezones_by_region=regions, unknown_timezone=unknown, limits=limits,
        blocks=blocks, promise=promise, priority=priority, address_required=address, actions=tuple(actions),
        challengers=challengers, letters={"registered": registered, "contact_hours": hours, "mailing_lag_days": lag},
        channel_fallback=fallback, calendar=calendar, placements=placements, visits=visits,
    )


def load_contact_policy(path: str | Path) -> ContactPolicy:
    """Read a policy file and validate it (every section: pipelines.policy.load_policy); its contact section."""
    from pipelines.policy import load_policy

    return load_policy(path).contact


def contact_dbt_vars(path: str | Path) -> dict[str, Any]:
    """The dbt vars of the policy file's contact section: {"contact_policy": {...}}."""
    return load_contact_policy(path).dbt_vars()


if __name__ == "__main__":
    from pipelines.settings import DEFAULT_POLICY

    print(json.dumps(contact_dbt_vars(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_POLICY), ensure_ascii=False,
                     indent=2))
