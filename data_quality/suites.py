"""The GX Core expectation suites, one per landing file plus three cross-file assets.

Every expectation carries a GX `severity` and, in `meta`, the project's `rule` name and the
`action` taken on the rows it finds:

severity  action              what happens to the offending rows
critical  block               the batch is blocked (BatchBlocked: file, rule, count, example row)
warning   quarantine          the row is quarantined (quality.quarantine) and the night goes on
warning   fallback            customers: the field falls back to its last valid value, or stays
                              as delivered and is marked invalid when there is none
warning   restore             lost records are restored from history (quality.lost_records)
warning   link                customers sharing a national id are linked into one person
warning   rejected_at_ingest  ingest already quarantined the row (type problems): reported
warning   report              reported only (Data Docs, validation_results, steward report)

Assets: the seven landing files (the rows ingest loaded, with `_source_row` and integrity
columns from data_quality.day; code values such as status, channel, outcome and flag are checked
as staging reads them, lower-cased and trimmed, so "Dispute" is a dispute and is never set aside; rows ingest quarantined for their types or keys are counted by the
`files` asset), `customers_continuity` and `loans_continuity` (yesterday's records and what
became of them), `files` (today's load log).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import great_expectations.expectations as gxe

from data_quality import formats
from data_quality.expectations import ExpectColumnValuesToPassCheck, ExpectMulticolumnValuesToPassCheck
from pipelines.landing import LANDING_FILES
from pipelines.settings import lender_timezone

# Mass problems are not individual glitches: more than this many lost records or orphans (the
# larger of the share and the count) mean the extract itself is broken, and the night blocks.
LOST_BLOCK_SHARE, LOST_BLOCK_MIN = 0.05, 20
ORPHAN_BLOCK_SHARE, ORPHAN_BLOCK_MIN = 0.05, 20
EARLIEST_DATE = date(1990, 1, 1)         # no loan, payment or schedule of this lender is older
OLDEST_CUSTOMER_YEARS, YOUNGEST_CUSTOMER_YEARS = 110, 16

STATUSES = ["active", "closed", "written_off", "restructured"]
CHANNELS = ["call", "sms", "email", "letter", "visit"]
OUTCOMES = ["no_answer", "busy", "voicemail", "wrong_number", "right_party_contact", "third_party_contact",
            "promise_to_pay", "refused_to_pay", "dispute_raised", "delivered", "failed"]
PAYMENT_CHANNELS = ["bank_transfer", "card", "cash", "agency", "wallet", "direct_debit"]
FLAGS = ["dispute", "bankruptcy", "deceased", "cease_contact", "legal_hold", "hardship"]


@dataclass(frozen=True)
class Context:
    as_of: date
    previous_customers: int = 0
    previous_loans: int = 0
    loans_today: int = 0
    installments_today: int = 0
    payments_today: int = 0
    contacts_today: int = 0
    timezone: tzinfo = field(default_factory=lambda: ZoneInfo(lender_timezone()))  # the manifest's, else the lender's


def _end_of_day(ctx: Context) -> datetime:
    """Midnight after the business date in the lender's time zone: nothing booked later is known."""
    return datetime.combine(ctx.as_of + timedelta(days=1), time.min, tzinfo=ctx.timezone)


def _mostly(count: int, share: float, minimum: int) -> float:
    """`mostly` for 'at most max(minimum, share * count) rows may fail'."""
    if count <= 0:
        return 0.0
    return max(0.0, 1.0 - max(minimum, share * count) / count)


def _e(cls, rule: str, action: str, description: str, severity: str = "warning", fields: tuple[str, ...] = (),
       **kwargs):
    meta = {"rule": rule, "action": action, "fields": list(fields)}
    return cls(severity=severity, description=description, meta=meta, **kwargs)


def _common(name: str) -> list:
    spec = LANDING_FILES[name]
    key = list(spec.key)
    unique = (gxe.ExpectColumnValuesToBeUnique(column=key[0], severity="critical",
                                               description=f"unique key {key[0]} (snapshot or event id)",
                                               meta={"rule": f"{name}.unique_key", "action": "block", "fields": key})
              if len(key) == 1 else
              gxe.ExpectCompoundColumnsToBeUnique(column_list=key, severity="critical",
                                                  description=f"unique key ({', '.join(key)})",
                                                  meta={"rule": f"{name}.unique_key", "action": "block", "fields": key}))
    return [
        _e(gxe.ExpectTableColumnsToMatchSet, f"{name}.schema", "block",
           f"{spec.csv_name} has every required column of the landing contract", "critical",
           column_set=[*spec.columns, "_source_row"], exact_match=False),
        unique,
    ]


def _dt(day: date) -> datetime:
    return datetime.combine(day, time.min)


def customers(ctx: Context) -> list:
    latest_birth = _dt(ctx.as_of.replace(year=ctx.as_of.year - YOUNGEST_CUSTOMER_YEARS))
    earliest_birth = _dt(ctx.as_of.replace(year=ctx.as_of.year - OLDEST_CUSTOMER_YEARS))
    end_of_day = _end_of_day(ctx)
    fallback = []
    for column in ("full_name", "phone", "national_id", "date_of_birth", "address_line1", "city", "region",
                   "country", "email"):
        fallback.append(_e(gxe.ExpectColumnValuesToNotBeNull, f"customers.{column}.present", "fallback",
                           f"{column} is not blank", fields=(column,), column=column))
    return [
        *_common("customers"),
        *fallback,
        _e(ExpectColumnValuesToPassCheck, "customers.phone.e164", "fallback",
           "phone is a valid number in E.164 after correction", fields=("phone",), column="phone", check="e164_phone",
           ),
        _e(ExpectColumnValuesToPassCheck, "customers.email.format", "fallback",
           "e-mail is a mailbox in normal form after correction", fields=("email",), column="email", check="email",
           ),
        _e(ExpectMulticolumnValuesToPassCheck, "customers.national_id.valid", "fallback",
           "national id valid for the country (CN: python-stdnum cn.ric check character, birth date, region code)",
           fields=("national_id",), column_list=["national_id", "country"], check="national_id_for_country",
           ignore_row_if="never"),
        _e(gxe.ExpectColumnValuesToBeUnique, "customers.national_id.one_person", "link",
           "one national id, one customer record (else the records are linked into one person)",
           column="national_id"),
        _e(gxe.ExpectColumnValuesToBeBetween, "customers.date_of_birth.plausible", "fallback",
           f"date of birth makes the customer {YOUNGEST_CUSTOMER_YEARS} to {OLDEST_CUSTOMER_YEARS} years old",
           fields=("date_of_birth",), column="date_of_birth", min_value=earliest_birth, max_value=latest_birth,
           ),
        _e(gxe.ExpectColumnPairValuesToBeEqual, "customers.date_of_birth.matches_national_id", "report",
           "CN: date of birth equals the one written in the resident id", column_A="date_of_birth",
           column_B="_id_birth_date", ignore_row_if="either_value_is_missing"),
        _e(ExpectMulticolumnValuesToPassCheck, "customers.postal_code.format", "fallback",
           "postal code in the country's format (CN/SG 6 digits, GB, US; none in HK)", fields=("postal_code",),
           column_list=["postal_code", "country"], check="postal_code_for_country",
           ignore_row_if="never"),
        _e(ExpectMulticolumnValuesToPassCheck, "customers.region.matches_postal_code", "fallback",
           "CN: the region (province) is the postal code's zone (first two digits)",
           fields=("region", "postal_code"), column_list=["region", "postal_code", "country"],
           check="region_matches_postal_code", ignore_row_if="never"),
        _e(ExpectColumnValuesToPassCheck, "customers.country.iso", "fallback", "country is ISO 3166-1 alpha-2",
           fields=("country",), column="country", check="iso_country"),
        _e(ExpectColumnValuesToPassCheck, "customers.preferred_language.bcp47", "fallback",
           "preferred language is a BCP 47 tag", fields=("preferred_language",), column="preferred_language",
           check="bcp47_language"),
        _e(ExpectColumnValuesToPassCheck, "customers.timezone.iana", "fallback",
           "time zone, when given, is an IANA name", fields=("timezone",), column="timezone", check="iana_timezone",
           ),
        _e(gxe.ExpectColumnValuesToBeBetween, "customers.updated_at.not_future", "report",
           "updated_at is not after the business date", column="updated_at", max_value=end_of_day,
           ),
    ]


def customers_continuity(ctx: Context) -> list:
    return [
        _e(gxe.ExpectColumnValuesToNotBeInSet, "customers.lost.mass", "block",
           f"at most {LOST_BLOCK_SHARE:.0%} (or {LOST_BLOCK_MIN}) of yesterday's customers still owing are "
           "missing today", "critical", column="state", value_set=["lost", "unexplained"],
           mostly=_mostly(ctx.previous_customers, LOST_BLOCK_SHARE, LOST_BLOCK_MIN)),
        _e(gxe.ExpectColumnValuesToNotBeInSet, "customers.lost", "restore",
           "every customer a loan still needs is in today's snapshot (else restored from history)",
           column="state", value_set=["lost"]),
        _e(gxe.ExpectColumnValuesToNotBeInSet, "customers.gone_unexplained", "report",
           "a customer leaves the snapshot only after their loans closed (else: reported as lost)",
           column="state", value_set=["unexplained"]),
    ]


def loans(ctx: Context) -> list:
    today = _dt(ctx.as_of)
    return [
        *_common("loans"),
        _e(gxe.ExpectColumnValuesToBeInSet, "loans.customer_exists.mass", "block",
           f"at most {ORPHAN_BLOCK_SHARE:.0%} (or {ORPHAN_BLOCK_MIN}) of loans without a known customer",
           "critical", column="_customer_status", value_set=["present", "restored"],
           mostly=_mostly(ctx.loans_today, ORPHAN_BLOCK_SHARE, ORPHAN_BLOCK_MIN)),
        _e(gxe.ExpectColumnValuesToBeInSet, "loans.customer_exists", "quarantine",
           "the loan's customer is in today's snapshot or restored from history (else: orphan loan)",
           column="_customer_status", value_set=["present", "restored"]),
        _e(gxe.ExpectColumnValuesToBeInSet, "loans.status.known", "quarantine", "status is one of the contract's",
           column="_status", value_set=STATUSES),
        _e(gxe.ExpectColumnValuesToBeInSet, "loans.currency.known", "quarantine", "currency is an ISO 4217 code in use",
           column="currency", value_set=sorted(formats.CURRENCIES)),
        _e(gxe.ExpectColumnValuesToBeBetween, "loans.principal_amount.positive", "quarantine",
           "principal amount > 0", column="principal_amount", min_value=0, strict_min=True),
        _e(gxe.ExpectColumnValuesToNotBeNull, "loans.principal_amount.present", "quarantine",
           "principal amount is given", column="principal_amount"),
        _e(gxe.ExpectColumnValuesToBeBetween, "loans.annual_interest_rate.range", "quarantine",
           "annual interest rate between 0 and 1 (100%)", column="annual_interest_rate", min_value=0, max_value=1,
           ),
        _e(gxe.ExpectColumnValuesToNotBeNull, "loans.disbursed_on.present", "quarantine", "disbursement date given",
           column="disbursed_on"),
        _e(gxe.ExpectColumnValuesToBeBetween, "loans.disbursed_on.plausible", "quarantine",
           f"disbursed between {EARLIEST_DATE} and the business date", column="disbursed_on",
           min_value=_dt(EARLIEST_DATE), max_value=today),
        _e(gxe.ExpectColumnPairValuesAToBeGreaterThanB, "loans.maturity_after_disbursement", "quarantine",
           "maturity date on or after the disbursement date", column_A="maturity_date", column_B="disbursed_on",
           or_equal=True, ignore_row_if="either_value_is_missing"),
        _e(gxe.ExpectColumnValuesToBeInSet, "loans.closed_on.when_closed", "report",
           "a closed loan has its closing date", column="_closed_on_given", value_set=[True]),
        _e(gxe.ExpectColumnValuesToBeInSet, "loans.schedule.present", "report",
           "control total: every active loan has a schedule in installments.csv", column="_schedule_given",
           value_set=[True]),
        _e(gxe.ExpectColumnPairValuesToBeEqual, "loans.schedule.principal_total", "report",
           "control total: an active loan's scheduled principal adds up to its principal amount",
           column_A="principal_amount", column_B="_schedule_principal", ignore_row_if="either_value_is_missing"),
    ]


def loans_continuity(ctx: Context) -> list:
    return [
        _e(gxe.ExpectColumnValuesToNotBeInSet, "loans.lost.mass", "block",
           f"at most {LOST_BLOCK_SHARE:.0%} (or {LOST_BLOCK_MIN}) of yesterday's open loans missing today",
           "critical", column="state", value_set=["lost"],
           mostly=_mostly(ctx.previous_loans, LOST_BLOCK_SHARE, LOST_BLOCK_MIN)),
        _e(gxe.ExpectColumnValuesToNotBeInSet, "loans.lost", "restore",
           "every loan of yesterday without a closing status is in today's snapshot (else restored)",
           column="state", value_set=["lost"]),
    ]


def _loan_known(name: str, count: int, description: str, action: str = "quarantine") -> list:
    return [
        _e(gxe.ExpectColumnValuesToBeInSet, f"{name}.loan_exists.mass", "block",
           f"at most {ORPHAN_BLOCK_SHARE:.0%} (or {ORPHAN_BLOCK_MIN}) of rows for unknown loans", "critical",
           column="_loan_known", value_set=[True],
           mostly=_mostly(count, ORPHAN_BLOCK_SHARE, ORPHAN_BLOCK_MIN)),
        _e(gxe.ExpectColumnValuesToBeInSet, f"{name}.loan_exists", action, description,
           column="_loan_known", value_set=[True]),
    ]


def installments(ctx: Context) -> list:
    return [
        *_common("installments"),
        *_loan_known("installments", ctx.installments_today, "the installment's loan is in today's loans"),
        _e(gxe.ExpectColumnValuesToBeBetween, "installments.installment_no.positive", "quarantine",
           "installment number >= 1", column="installment_no", min_value=1),
        *[_e(gxe.ExpectColumnValuesToBeBetween, f"installments.{c}.not_negative", "quarantine", f"{c} >= 0",
             column=c, min_value=0) for c in ("principal_due", "interest_due", "fee_due")],
        _e(gxe.ExpectColumnValuesToNotBeNull, "installments.due_date.present", "quarantine", "due date given",
           column="due_date"),
        _e(gxe.ExpectColumnValuesToBeBetween, "installments.due_date.plausible", "quarantine",
           f"due date between {EARLIEST_DATE} and 50 years after the business date", column="due_date",
           min_value=_dt(EARLIEST_DATE), max_value=_dt(ctx.as_of.replace(year=ctx.as_of.year + 50)),
           ),
    ]


def payments(ctx: Context) -> list:
    end_of_day = _end_of_day(ctx)
    return [
        *_common("payments"),
        *_loan_known("payments", ctx.payments_today, "the payment's loan is known (today's or yesterday's loans)"),
        _e(gxe.ExpectColumnValuesToBeBetween, "payments.amount.positive", "quarantine", "amount > 0",
           column="amount", min_value=0, strict_min=True),
        _e(gxe.ExpectColumnValuesToNotBeNull, "payments.amount.present", "quarantine", "amount given",
           column="amount"),
        _e(gxe.ExpectColumnValuesToNotBeNull, "payments.value_date.present", "quarantine", "value date given",
           column="value_date"),
        _e(gxe.ExpectColumnValuesToBeBetween, "payments.value_date.plausible", "quarantine",
           f"value date between {EARLIEST_DATE} and the business date", column="value_date",
           min_value=_dt(EARLIEST_DATE), max_value=_dt(ctx.as_of)),
        # a late-arriving payment may come after its reversal: the reversal is kept and cancels it then
        _e(gxe.ExpectColumnValuesToBeInSet, "payments.reversal_target_known", "report",
           "a reversal names a payment delivered before (or today)", column="_reversal_known", value_set=[True],
           ),
        _e(gxe.ExpectColumnValuesToBeInSet, "payments.channel.known", "report", "channel is a known one",
           column="_channel", value_set=PAYMENT_CHANNELS),
        _e(gxe.ExpectColumnValuesToBeBetween, "payments.booked_at.not_future", "report",
           "booked no later than the end of the business date", column="booked_at", max_value=end_of_day,
           ),
    ]


def contact_attempts(ctx: Context) -> list:
    end_of_day = _end_of_day(ctx)
    return [
        *_common("contact_attempts"),
        *_loan_known("contact_attempts", ctx.contacts_today, "the attempt's loan is known"),
        _e(gxe.ExpectColumnValuesToBeInSet, "contact_attempts.channel.known", "quarantine", "channel in the contract",
           column="_channel", value_set=CHANNELS),
        _e(gxe.ExpectColumnValuesToBeInSet, "contact_attempts.outcome.known", "quarantine", "outcome in the contract",
           column="_outcome", value_set=OUTCOMES),
        _e(gxe.ExpectColumnValuesToBeBetween, "contact_attempts.duration.not_negative", "quarantine",
           "duration >= 0 seconds", column="duration_seconds", min_value=0),
        _e(gxe.ExpectColumnValuesToBeBetween, "contact_attempts.started_at.not_future", "report",
           "started no later than the end of the business date", column="started_at", max_value=end_of_day,
           ),
        _e(gxe.ExpectColumnValuesToBeInSet, "contact_attempts.promise.complete", "report",
           "a promise to pay has its amount and date", column="_promise_complete", value_set=[True]),
        _e(gxe.ExpectColumnValuesToBeInSet, "contact_attempts.customer_matches_loan", "report",
           "the attempt's customer is the loan's customer", column="_customer_matches_loan", value_set=[True],
           ),
    ]


def flags(ctx: Context) -> list:
    return [
        *_common("flags"),
        _e(gxe.ExpectColumnValuesToBeInSet, "flags.subject_type.known", "quarantine", "subject type customer or loan",
           column="_subject_type", value_set=["customer", "loan"]),
        _e(gxe.ExpectColumnValuesToBeInSet, "flags.flag.known", "quarantine", "flag in the contract",
           column="_flag", value_set=FLAGS),
        _e(gxe.ExpectColumnPairValuesAToBeGreaterThanB, "flags.period.ordered", "quarantine",
           "effective_to on or after effective_from", column_A="effective_to", column_B="effective_from",
           or_equal=True, ignore_row_if="either_value_is_missing"),
        _e(gxe.ExpectColumnValuesToBeInSet, "flags.subject_known", "report", "the flagged customer or loan is known",
           column="_subject_known", value_set=[True]),
    ]


def agents(ctx: Context) -> list:
    return [
        *_common("agents"),
        _e(gxe.ExpectColumnValuesToBeBetween, "agents.daily_capacity.not_negative", "quarantine",
           "daily capacity >= 0", column="daily_capacity", min_value=0),
        _e(gxe.ExpectColumnValuesToNotBeNull, "agents.full_name.present", "report", "agent has a name",
           column="full_name"),
        _e(gxe.ExpectColumnValuesToMatchRegex, "agents.languages.format", "report",
           "languages is a ';'-separated list of BCP 47 tags", column="languages",
           regex=rf"^{formats.BCP47}(?:;{formats.BCP47})*$"),
    ]


def files(ctx: Context) -> list:
    return [
        _e(gxe.ExpectColumnValuesToBeInSet, "files.accounted", "block",
           "every delivered row was loaded, quarantined at ingest or skipped as a repeat event", "critical",
           column="_accounted", value_set=[True]),
        _e(gxe.ExpectColumnValuesToBeInSet, "files.types", "rejected_at_ingest",
           "every row fits the contract's types and keys (rows that did not were quarantined at ingest, "
           "raw.rejected_rows)", column="rows_quarantined", value_set=[0]),
        _e(gxe.ExpectColumnValuesToBeInSet, "files.encoding.utf8", "report",
           "file delivered in UTF-8 (another declared encoding is read, and reported)", column="encoding",
           value_set=["utf-8", "utf8", "utf-8-sig"]),
    ]


SUITES = {
    "customers": customers, "customers_continuity": customers_continuity, "loans": loans,
    "loans_continuity": loans_continuity, "installments": installments, "payments": payments,
    "contact_attempts": contact_attempts, "flags": flags, "agents": agents, "files": files,
}

# Which landing file a GX asset's results belong to (quality.validation_results.file).
ASSET_FILE = {**{name: LANDING_FILES[name].csv_name for name in LANDING_FILES},
              "customers_continuity": "customers.csv", "loans_continuity": "loans.csv", "files": "*"}
