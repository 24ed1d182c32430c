"""The night's contact files for operations, from marts.contact_log and marts.contact_recipients
(publish writers; marts only: tests/test_dbt_structure.py holds each file to its dbt exposure).

    sms.csv        message_id, loan_id, customer_id, phone, send_after, send_before, template, language, text,
                   + sender (the lender's sender id for the phone number's country)
    emails.jsonl   message_id, loan_id, customer_id, to, subject, text, html, send_after, send_before,
                   + from, reply_to, list_unsubscribe, list_unsubscribe_post (RFC 2369 / RFC 8058)
    call_list.csv  loan_id, customer_id, agent_id, phone, call_after, call_before, priority, reason,
                   + max_attempts, language, dpd, overdue_amount, currency, template
    skip_trace.csv overdue loans whose customer cannot be reached (outcome unreachable): what is missing
    field_visits.csv  home visits for D+1 (marts.field_visits): visit_id, loan_id, customer_id, agent_id,
                   visit_date, visit_after, visit_before, route_order, full_name, address lines, city,
                   region, postal_code, country, phone, overdue_amount, currency, dpd, notice_sent_on, reason
    referrals.csv  accounts placed tonight (legal referral / agency placement, marts.placement_handover):
                   loan_id, customer_id, referral, dpd, overdue_amount, currency, reason, + holder, debtor
                   name, address, phones, e-mail, balance by component, last payment, contact history

Every SMS and e-mail names the lender, its hotline and sender ids from the policy's one `lender:`
section (pipelines/lender.py): the hotline for the customer's country (an SMS: the phone number's
country, so a domestic short number never reaches a number abroad) and the opt-out wording in the
message's language. Deterministic: the rows come from the warehouse in a fixed order, message ids are contact_log's
action ids (md5 of as-of date, loan, channel, template), times are the allowed window on D+1 shown
in the customer's zone with its offset; nothing reads the wall clock. Rerunning a date writes the
same bytes. Spreadsheet safety: text fields that start with = + - @ tab or CR get a leading
apostrophe; phone numbers stay E.164 with their +.
"""
from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

from pipelines.contact.policy import ContactPolicy, load_contact_policy
from pipelines.contact.render import Renderer, message_context
from pipelines.contact.sms import segments
from pipelines.errors import BatchBlocked
from pipelines.lender import phone_country
from pipelines.warehouse import reader

FileWriter = Callable[[Path], dict[str, int]]

SMS_COLUMNS = ("message_id", "loan_id", "customer_id", "phone", "send_after", "send_before", "template", "language",
               "text", "sender")
EMAIL_KEYS = ("message_id", "loan_id", "customer_id", "to", "subject", "text", "html", "send_after", "send_before",
              "from", "reply_to", "list_unsubscribe", "list_unsubscribe_post")
CALL_COLUMNS = ("loan_id", "customer_id", "agent_id", "phone", "call_after", "call_before", "priority", "reason",
                "max_attempts", "language", "dpd", "overdue_amount", "currency", "template",
                # one call per person per day: the loans it covers, who is called, where, other numbers
                "loans_covered", "full_name", "timezone", "alternate_phones")
SKIP_TRACE_COLUMNS = ("loan_id", "customer_id", "full_name", "missing", "phone_as_delivered", "email_as_delivered",
                      "address_line1", "city", "postal_code", "country", "dpd", "overdue_amount", "currency", "reason")
REFERRAL_COLUMNS = ("loan_id", "customer_id", "referral", "dpd", "overdue_amount", "currency", "reason",
                    # what the agency or lawyer needs to work the account (marts.placement_handover)
                    "placement_type", "holder", "placed_on", "escalated_from", "full_name", "address_line1",
                    "address_line2", "city", "region", "postal_code", "country", "phone", "alternate_phones", "email",
                    "principal_outstanding", "interest_outstanding", "fees_outstanding", "outstanding_amount",
                    "last_payment_date", "last_payment_amount", "contact_attempts", "last_contact_at",
                    "right_party_contacts", "promises")

FIELD_VISIT_COLUMNS = ("visit_id", "loan_id", "customer_id", "agent_id", "visit_date", "visit_after", "visit_before",
                       "route_order", "full_name", "address_line1", "address_line2", "city", "region", "postal_code",
                       "country", "phone", "overdue_amount", "currency", "dpd", "notice_sent_on", "reason")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell a spreadsheet would read as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def local_iso(instant: datetime | None, zone: str | None) -> str:
    """An instant in the customer's zone, ISO-8601 with offset: 2026-03-16T08:00:00+08:00."""
    if instant is None:
        return ""
    return instant.astimezone(ZoneInfo(zone or "UTC")).isoformat(timespec="seconds")


def _csv(path: Path, columns: Iterable[str], rows: Iterable[dict], raw: tuple[str, ...] = ()) -> int:
    """Write rows as RFC 4180 CSV (UTF-8, \\n line ends) as they come; every field neutralised except
    `raw` ones."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(columns)
        count = 0
        for row in rows:
            out.writerow([("" if row.get(c) is None else str(row[c])) if c in raw else neutralise(row.get(c))
                          for c in columns])
            count += 1
    return count


FETCH_ROWS = 10_000  # rows fetched from the warehouse at a time: a file's memory does not grow with the book


def _fetch(warehouse: Path, sql: str, params: list) -> Iterator[dict]:
    """The rows of `sql`, in batches of FETCH_ROWS, as dicts (a generator: consume it once)."""
    with reader(warehouse) as con:
        cursor = con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        while batch := cursor.fetchmany(FETCH_ROWS):
            for row in batch:
                yield dict(zip(names, row))


MESSAGES_SQL = """
    select c.action_id, c.loan_id, c.customer_id, c.channel, c.template, c.language, c.destination,
           c.scheduled_after, c.scheduled_before, c.display_zone, c.dpd, c.episode_start, c.overdue_amount,
           c.currency, r.full_name, r.country
    from marts.contact_log c
    left join marts.contact_recipients r on r.as_of_date = c.as_of_date and r.customer_id = c.customer_id
    where c.as_of_date = ? and c.status = 'scheduled' and c.channel = ?
    order by c.loan_id, c.template, c.action_id
"""


class ContactOutbox:
    """The contact files of one night; `writers()` plugs them into publish()."""

    def __init__(self, warehouse: Path, as_of: date, policy: ContactPolicy):
        self.warehouse = Path(warehouse)
        self.as_of = as_of
        self.policy = policy
        self.renderer = Renderer(policy.templates_dir)
        self.lender = policy.lender

    @classmethod
    def from_policy_file(cls, warehouse: Path, as_of: date, policy_path: Path) -> "ContactOutbox":
        return cls(warehouse, as_of, load_contact_policy(policy_path))

    def writers(self) -> list[FileWriter]:
        return [self.write_sms, self.write_emails, self.write_call_list, self.write_skip_trace,
                self.write_referrals, self.write_field_visits]

    def _context(self, row: dict, country: str | None) -> dict:
        return message_context(
            loan_id=row["loan_id"], customer_name=row.get("full_name"), amount=row["overdue_amount"],
            currency=row["currency"] or "", due_date=row["episode_start"], dpd=row["dpd"],
            language=row["language"], lender=self.lender, country=country, message_id=row["action_id"],
        )

    def write_sms(self, folder: Path) -> dict[str, int]:
        limit = self.policy.limits["sms_max_segments"]

        def rows():
            for row in _fetch(self.warehouse, MESSAGES_SQL, [self.as_of, "sms"]):
                country = phone_country(row["destination"])  # the number's country, not the address's
                text = self.renderer.sms(row["template"], row["language"], self._context(row, country))
                parts = segments(text)
                if parts.count > limit:  # the policy check and contact_log's guard make this a bug
                    raise BatchBlocked(f"sms.csv: message {row['action_id']} ({row['template']}, {row['language']}) "
                                       f"needs {parts.count} segments, limit {limit}")
                yield {"message_id": row["action_id"], "loan_id": row["loan_id"], "customer_id": row["customer_id"],
                       "phone": row["destination"],
                       "send_after": local_iso(row["scheduled_after"], row["display_zone"]),
                       "send_before": local_iso(row["scheduled_before"], row["display_zone"]),
                       "template": row["template"], "language": row["language"], "text": text,
                       "sender": self.lender.contacts(country).sms_sender}

        return {"sms.csv": _csv(folder / "sms.csv", SMS_COLUMNS, rows(), raw=("phone",))}

    def write_emails(self, folder: Path) -> dict[str, int]:
        count = 0
        with (folder / "emails.jsonl").open("w", encoding="utf-8", newline="") as fh:
            for row in _fetch(self.warehouse, MESSAGES_SQL, [self.as_of, "email"]):
                subject, text, html = self.renderer.email(row["template"], row["language"],
                                                          self._context(row, row["country"]))
                contacts = self.lender.contacts(row["country"])
                record = {"message_id": row["action_id"], "loan_id": row["loan_id"], "customer_id": row["customer_id"],
                          "to": row["destination"], "subject": neutralise(subject), "text": neutralise(text),
                          "html": html,
                          "send_after": local_iso(row["scheduled_after"], row["display_zone"]),
                          "send_before": local_iso(row["scheduled_before"], row["display_zone"]),
                          "from": contacts.email_from, "reply_to": contacts.reply_to,
                          "list_unsubscribe": self.lender.list_unsubscribe(row["action_id"]),
                          "list_unsubscribe_post": "List-Unsubscribe=One-Click" if self.lender.unsubscribe_url else ""}
                fh.write(json.dumps({k: record[k] for k in EMAIL_KEYS}, ensure_ascii=False) + "\n")
                count += 1
        return {"emails.jsonl": count}

    def write_call_list(self, folder: Path) -> dict[str, int]:
        rows = _fetch(self.warehouse, """
            with covered as (
                select call_loan_id, string_agg(loan_id, ';' order by loan_id) as loans_covered
                from marts.contact_log
                where as_of_date = ? and status = 'scheduled' and channel = 'call'
                group by call_loan_id
            )
            select c.loan_id, c.customer_id, c.agent_id, c.destination as phone, c.scheduled_after,
                   c.scheduled_before, c.display_zone, c.priority, c.due_reason as reason, c.max_attempts,
                   c.language, c.dpd, c.overdue_amount, c.currency, c.template, v.loans_covered,
                   r.full_name, c.display_zone as timezone, r.alternate_phones
            from marts.contact_log c
            inner join covered v on v.call_loan_id = c.loan_id
            left join marts.contact_recipients r on r.as_of_date = c.as_of_date and r.customer_id = c.customer_id
            where c.as_of_date = ? and c.status = 'scheduled' and c.channel = 'call'
                and c.call_loan_id = c.loan_id
            order by c.agent_id, c.priority, c.loan_id
        """, [self.as_of, self.as_of])

        def local(row: dict) -> dict:
            row["call_after"] = local_iso(row.pop("scheduled_after"), row["display_zone"])
            row["call_before"] = local_iso(row.pop("scheduled_before"), row["display_zone"])
            return row

        return {"call_list.csv": _csv(folder / "call_list.csv", CALL_COLUMNS, map(local, rows),
                                      raw=("phone", "alternate_phones"))}

    def write_skip_trace(self, folder: Path) -> dict[str, int]:
        rows = _fetch(self.warehouse, """
            select a.loan_id, a.customer_id, r.full_name, r.missing, r.phone_as_delivered,
                   r.email as email_as_delivered, r.address_line1, r.city, r.postal_code, r.country, a.dpd, a.overdue_amount, a.currency, a.reason
            from marts.overdue_accountability a
            left join marts.contact_recipients r on r.as_of_date = a.as_of_date and r.customer_id = a.customer_id
            where a.as_of_date = ? and a.outcome = 'unreachable'
            order by a.loan_id
        """, [self.as_of])
        return {"skip_trace.csv": _csv(folder / "skip_trace.csv", SKIP_TRACE_COLUMNS, rows)}

    def write_referrals(self, folder: Path) -> dict[str, int]:
        rows = _fetch(self.warehouse, f"""
            select {', '.join(REFERRAL_COLUMNS)}
            from marts.placement_handover
            where as_of_date = ?
            order by loan_id
        """, [self.as_of])

        def iso(row: dict) -> dict:
            if row["last_contact_at"] is not None:
                row["last_contact_at"] = row["last_contact_at"].isoformat(timespec="seconds")
            return row

        return {"referrals.csv": _csv(folder / "referrals.csv", REFERRAL_COLUMNS, map(iso, rows),
                                      raw=("phone", "alternate_phones"))}


    def write_field_visits(self, folder: Path) -> dict[str, int]:
        """Each field agent's day: the visits in route order, times in the customer's zone."""
        rows = _fetch(self.warehouse, f"""
            select {', '.join(c for c in FIELD_VISIT_COLUMNS if c not in ("visit_after", "visit_before"))},
                   visit_after, visit_before, display_zone
            from marts.field_visits
            where as_of_date = ?
            order by agent_id, route_order, loan_id
        """, [self.as_of])

        def local(row: dict) -> dict:
            row["visit_after"] = local_iso(row["visit_after"], row["display_zone"])
            row["visit_before"] = local_iso(row["visit_before"], row["display_zone"])
            return row

        return {"field_visits.csv": _csv(folder / "field_visits.csv", FIELD_VISIT_COLUMNS, map(local, rows),
                                         raw=("phone",))}


def contact_writers(warehouse: Path, as_of: date, policy_path: Path) -> list[FileWriter]:
    """The publish writers of the night's contact files (see the module docstring)."""
    return ContactOutbox.from_policy_file(warehouse, as_of, policy_path).writers()
