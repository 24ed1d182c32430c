"""The collection policy file (`pipelines/policy/default.yaml` by default): load, validate, version.

The file is the business's: operations edit it, and it is the only place a policy value lives.
`load_policy` validates the whole file, every section (SECTIONS: one validator per top-level
section; a section nobody owns is an error), before the night writes anything. A problem is one
line naming the file and the key path, e.g.

    policy/default.yaml: delinquency.bucket_schemes.chinese[2].from_dpd: 25 overlaps bucket M1 (1-30 DPD)

`delinquency:` is required; a key missing from an optional section (`contact:`, `reporting:`) takes
the packaged file's value (`packaged_section`), so the packaged file is the one place defaults live.

The dbt project reads the policy as vars (`Policy.dbt_vars()`), passed beside `as_of_date` by
`pipelines.transform` (which loads the policy in force when a caller gives none); dbt has no copies
or fallbacks of its own.
"""
from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from pipelines.errors import PolicyError

STAGES = ("current", "early", "middle", "late")
DELINQUENCY_KEYS = ("tolerance_amount", "minimum_days", "minimum_amount", "bucket_scheme", "bucket_schemes")
BUCKET_KEYS = ("bucket", "from_dpd", "to_dpd", "stage")
# The headline KPIs a target may be set for (marts.kpi_figures.figure); all are rates where higher is better.
TARGET_FIGURES = ("recovery_rate", "liquidation_rate", "cure_rate", "ptp_kept_rate", "first_contact_on_time_rate")
CLOCK = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])$")


@dataclass(frozen=True)
class Bucket:
    name: str
    from_dpd: int
    to_dpd: int | None  # None: open-ended (the last bucket)
    stage: str

    def label(self) -> str:
        upper = "" if self.to_dpd is None else f"-{self.to_dpd}"
        return f"{self.name} ({self.from_dpd}{upper or '+'} DPD)"


@dataclass(frozen=True)
class DelinquencyPolicy:
    tolerance_amount: Decimal
    minimum_days: int
    minimum_amount: Decimal
    bucket_scheme: str
    buckets: tuple[Bucket, ...]  # of the scheme in force, in DPD order

    def bucket_for(self, dpd: int) -> Bucket:
        return next(b for b in reversed(self.buckets) if dpd >= b.from_dpd)


@dataclass(frozen=True)
class ReportingPolicy:
    """`reporting:`: the management reports' parameters (docs/reporting.md) and the lender's time zone."""
    lender_timezone: str              # IANA: a scheduled run's business date, a contact's day in reports
    values: dict[str, Any]            # the attribution / outcome / warning parameters, by name
    targets: dict[str, Decimal] = field(default_factory=dict)  # reporting.targets: figure -> rate 0..1

    def dbt_vars(self) -> dict[str, Any]:
        return {"reporting_policy": {"lender_timezone": self.lender_timezone,
                                     **{k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.values.items()}},
                "reporting_targets": {figure: str(rate) for figure, rate in self.targets.items()}}


@dataclass(frozen=True)
class Policy:
    path: Path
    version: str                      # first 12 hex digits of the file's sha256
    delinquency: DelinquencyPolicy
    document: dict[str, Any] = field(repr=False)  # the whole file as read
    sections: dict[str, Any] = field(default_factory=dict, repr=False)  # every section, validated

    @property
    def contact(self):
        return self.sections["contact"]

    @property
    def reporting(self) -> ReportingPolicy:
        return self.sections["reporting"]

    @property
    def lender(self):
        """pipelines.lender.LenderIdentity: who writes, texts and e-mails."""
        return self.sections["lender"]

    @property
    def scoring(self):
        return self.sections["scoring"]

    def dbt_vars(self) -> dict[str, Any]:
        """The dbt vars of this policy (JSON-able; money as decimal text, never floats)."""
        d = self.delinquency
        return {
            **self.contact.dbt_vars(),
            **self.scoring.dbt_vars(),
            **self.reporting.dbt_vars(),
            "policy_version": self.version,
            "delinquency_tolerance_amount": str(d.tolerance_amount),
            "delinquency_minimum_days": d.minimum_days,
            "delinquency_minimum_amount": str(d.minimum_amount),
            "delinquency_bucket_scheme": d.bucket_scheme,
            "delinquency_buckets": [
                {"bucket": b.name, "from_dpd": b.from_dpd, "to_dpd": b.to_dpd, "stage": b.stage} for b in d.buckets
            ],
        }


class PolicyChecker:
    """Validation helpers for every section of the policy file (delinquency here, contact in
    pipelines.contact.policy). Each raises PolicyError('<file>: <key path>: <problem>')."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, problem: str) -> PolicyError:
        return PolicyError(f"{self.path}: {key}: {problem}")

    def mapping(self, value: Any, key: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a mapping, not {type(value).__name__}")
        for name in value:
            if name not in allowed:
                raise self.fail(f"{key}.{name}", f"unknown key (allowed: {', '.join(allowed)})")
        for name in required:
            if name not in value:
                raise self.fail(f"{key}.{name}", "missing")
        return value

    def integer(self, value: Any, key: str, minimum: int, maximum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"{value!r} is not a whole number")
        if value < minimum:
            raise self.fail(key, f"{value} is below {minimum}")
        if maximum is not None and value > maximum:
            raise self.fail(key, f"{value} is above {maximum}")
        return value

    def decimal(self, value: Any, key: str, places: int = 2, maximum: Decimal | None = None,
                noun: str = "a number") -> Decimal:
        """A non-negative decimal with at most `places` decimals (read from text: never a float's error)."""
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.fail(key, f"{value!r} is not {noun}")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.fail(key, f"{value!r} is not {noun}") from None
        if not number.is_finite() or number < 0:
            raise self.fail(key, f"{value!r} must not be negative")
        if number != number.quantize(Decimal(1).scaleb(-places)):
            raise self.fail(key, f"{value!r} has more than {places} decimals")
        if maximum is not None and number > maximum:
            raise self.fail(key, f"{value!r} is above {maximum}")
        return number

    def amount(self, value: Any, key: str) -> Decimal:
        """Money: a non-negative decimal with 2 places, as 0.00."""
        return self.decimal(value, key, 2, noun="an amount").quantize(Decimal("0.01"))

    def text(self, value: Any, key: str, pattern: re.Pattern | None = None, what: str = "") -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"{value!r} must be non-empty text")
        if pattern is not None and not pattern.match(value):
            raise self.fail(key, f"{value!r} is not {what or 'valid'}")
        return value

    def choice(self, value: Any, key: str, choices: tuple[str, ...]) -> str:
        if value not in choices:
            raise self.fail(key, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def items(self, value: Any, key: str, allow_empty: bool = True) -> list:
        if not isinstance(value, list) or (not value and not allow_empty):
            raise self.fail(key, "must be a non-empty list" if not allow_empty else "must be a list")
        return value

    def clock(self, value: Any, key: str) -> int:
        """'HH:MM' (00:00..24:00) as minutes after midnight."""
        if not isinstance(value, str) or not CLOCK.match(value):
            raise self.fail(key, f"{value!r} is not a time of day HH:MM (quote it in YAML)")
        hours, minutes = int(value[:2]), int(value[3:])
        if hours == 24 and minutes:
            raise self.fail(key, f"{value!r} is after 24:00")
        return hours * 60 + minutes


def _buckets(check: PolicyChecker, value: Any, key: str) -> tuple[Bucket, ...]:
    if not isinstance(value, list) or not value:
        raise check.fail(key, "must be a non-empty list of buckets")
    buckets: list[Bucket] = []
    for i, item in enumerate(value):
        where = f"{key}[{i}]"
        item = check.mapping(item, where, BUCKET_KEYS, ("bucket", "from_dpd", "stage"))
        name = item["bucket"]
        name = check.text(str(name) if isinstance(name, int) and not isinstance(name, bool) else name, f"{where}.bucket")
        from_dpd = check.integer(item["from_dpd"], f"{where}.from_dpd", 0)
        to_dpd = item.get("to_dpd")
        if to_dpd is not None:
            to_dpd = check.integer(to_dpd, f"{where}.to_dpd", from_dpd)
        stage = item["stage"]
        if stage not in STAGES:
            raise check.fail(f"{where}.stage", f"{stage!r} is not one of {', '.join(STAGES)}")
        if any(b.name == name for b in buckets):
            raise check.fail(f"{where}.bucket", f"{name!r} appears twice")
        if not buckets:
            if from_dpd != 0:
                raise check.fail(f"{where}.from_dpd", f"the first bucket must start at 0, not {from_dpd}")
            if stage != "current":
                raise check.fail(f"{where}.stage", f"the first bucket is the current one: stage must be current, not {stage}")
        else:
            previous = buckets[-1]
            if previous.to_dpd is None:
                raise check.fail(f"{key}[{i - 1}].to_dpd", "missing: only the last bucket may be open-ended")
            if from_dpd <= previous.to_dpd:
                raise check.fail(f"{where}.from_dpd", f"{from_dpd} overlaps bucket {previous.label()}")
            if from_dpd > previous.to_dpd + 1:
                raise check.fail(f"{where}.from_dpd",
                                 f"gap: DPD {previous.to_dpd + 1}-{from_dpd - 1} is in no bucket")
            if stage == "current":
                raise check.fail(f"{where}.stage", "only the first bucket may have stage current")
        buckets.append(Bucket(name, from_dpd, to_dpd, stage))
    if buckets[-1].to_dpd is not None:
        raise check.fail(f"{key}[{len(buckets) - 1}].to_dpd",
                         f"the last bucket must be open-ended (remove to_dpd {buckets[-1].to_dpd})")
    return tuple(buckets)


def _delinquency(check: PolicyChecker, value: Any) -> DelinquencyPolicy:
    section = check.mapping(value, "delinquency", DELINQUENCY_KEYS, DELINQUENCY_KEYS)
    schemes = section["bucket_schemes"]
    if not isinstance(schemes, dict) or not schemes:
        raise check.fail("delinquency.bucket_schemes", "must map scheme names to bucket lists")
    parsed = {str(name): _buckets(check, buckets, f"delinquency.bucket_schemes.{name}")
              for name, buckets in schemes.items()}
    scheme = section["bucket_scheme"]
    if scheme not in parsed:
        raise check.fail("delinquency.bucket_scheme", f"{scheme!r} is not one of {', '.join(parsed)}")
    return DelinquencyPolicy(
        tolerance_amount=check.amount(section["tolerance_amount"], "delinquency.tolerance_amount"),
        minimum_days=check.integer(section["minimum_days"], "delinquency.minimum_days", 1),
        minimum_amount=check.amount(section["minimum_amount"], "delinquency.minimum_amount"),
        bucket_scheme=scheme,
        buckets=parsed[scheme],
    )


REPORTING_INTEGERS = {  # name: (minimum, maximum)
    "attribution_conversation_days": (0, 365), "attribution_promise_grace_days": (0, 365),
    "attribution_notice_days": (0, 365), "strategy_outcome_days": (1, 365), "warning_trailing_periods": (1, 52),
    "warning_roll_rate_min_accounts": (1, 10**6), "warning_broken_promise_min_due": (1, 10**6),
    "warning_loans_per_customer": (2, 1000),
}
REPORTING_RATIOS = ("warning_roll_rate_ratio", "warning_broken_promise_ratio")
REPORTING_REQUIRED = ("lender_timezone", *REPORTING_INTEGERS, *REPORTING_RATIOS)
REPORTING_KEYS = (*REPORTING_REQUIRED, "targets")


def _reporting_targets(check: PolicyChecker, value: Any) -> dict[str, Decimal]:
    """`reporting.targets`: figure -> target rate as a fraction (0.25 = 25%), at most 4 decimals, at most 1.
    An absent figure means no target (the report shows none)."""
    targets = check.mapping(value or {}, "reporting.targets", TARGET_FIGURES)
    return {figure: check.decimal(rate, f"reporting.targets.{figure}", 4, maximum=Decimal(1), noun="a rate (0.25 = 25%)")
            for figure, rate in targets.items() if rate is not None}


def _reporting(check: PolicyChecker, value: Any, parsed: dict) -> ReportingPolicy:
    section = check.mapping(value, "reporting", REPORTING_KEYS, REPORTING_REQUIRED)
    import pytz  # the zone database dbt's Jinja uses

    zone = check.text(section["lender_timezone"], "reporting.lender_timezone")
    if zone not in pytz.all_timezones_set:
        raise check.fail("reporting.lender_timezone", f"{zone!r} is not an IANA time zone")
    values: dict[str, Any] = {k: check.integer(section[k], f"reporting.{k}", *limits)
                              for k, limits in REPORTING_INTEGERS.items()}
    for k in REPORTING_RATIOS:
        ratio = check.decimal(section[k], f"reporting.{k}", 2, Decimal(100))
        if ratio < 1:
            raise check.fail(f"reporting.{k}", f"{section[k]!r} is below 1 (a ratio of this period to the trailing mean)")
        values[k] = ratio
    return ReportingPolicy(zone, values, _reporting_targets(check, section.get("targets")))


def _lender(check: PolicyChecker, value: Any, parsed: dict):
    from pipelines.lender import validate  # imports this module: loaded late

    return validate(value, check.path)


def _scoring(check: PolicyChecker, value: Any, parsed: dict):
    from pipelines.scoring.policy import parse_scoring  # imports this module: loaded late

    return parse_scoring(value, check.path)


def _contact(check: PolicyChecker, value: Any, parsed: dict):
    from pipelines.contact.policy import parse_contact  # imports this module: loaded late
    from pipelines.scoring.policy import check_action_bands

    contact = parse_contact(value, check.path, parsed["lender"])
    check_action_bands(contact.actions, parsed["scoring"], check.path)
    return contact


# Every top-level section of the policy file and its validator (check, the section's value with the
# packaged defaults filled in, the sections validated before it) -> the parsed section, in this
# order. A new section is one line here.
SECTIONS: dict[str, Any] = {
    "delinquency": lambda check, value, parsed: _delinquency(check, value),
    "lender": _lender,
    "scoring": _scoring,
    "contact": _contact,
    "reporting": _reporting,
}
REQUIRED_SECTIONS = ("delinquency",)
# Taken whole or not at all (absent: the packaged one); the others default key by key to the packaged
# file's values. A lender's identity is never half the example lender's.
WHOLE_SECTIONS = ("delinquency", "lender")


# libyaml's parser where PyYAML was built with it (same documents, about ten times faster than the pure-Python
# one: a night reads the policy several times, in several steps).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: Path) -> tuple[bytes, dict]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy file ({exc.strerror or exc})") from None
    try:
        document = yaml.load(raw.decode("utf-8-sig"), Loader=_YAML_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise PolicyError(f"{path}: not valid YAML{line} ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(document, dict):
        raise PolicyError(f"{path}: the policy must be a mapping of sections (e.g. delinquency:)")
    return raw, document


def packaged_section(name: str) -> dict:
    """The packaged policy file's section `name` (a fresh copy): the defaults of an optional section."""
    from pipelines.settings import DEFAULT_POLICY

    section = _read(DEFAULT_POLICY)[1].get(name) or {}
    return copy.deepcopy(section)


def with_defaults(name: str, value: Any) -> Any:
    """An optional section with every key it leaves out taken from the packaged file."""
    if value is None:
        return packaged_section(name)
    if not isinstance(value, dict):
        return value  # the validator names the problem
    return {**packaged_section(name), **value}


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file; PolicyError (one line: file and key) when it is not usable."""
    path = Path(path)
    check = PolicyChecker(path)
    raw, document = _read(path)
    for name in document:
        if name not in SECTIONS:
            raise check.fail(str(name), f"unknown section (allowed: {', '.join(SECTIONS)})")
    for name in REQUIRED_SECTIONS:
        if name not in document:
            raise check.fail(name, "missing section")
    sections: dict[str, Any] = {}
    for name, validate in SECTIONS.items():
        value = document.get(name) if name in WHOLE_SECTIONS else with_defaults(name, document.get(name))
        sections[name] = validate(check, value, sections)
    return Policy(
        path=path,
        version=hashlib.sha256(raw).hexdigest()[:12],
        delinquency=sections["delinquency"],
        document=document,
        sections=sections,
    )
