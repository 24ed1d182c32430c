"""The night's letters, for the letters engine (letters/, issue 6).

The contact strategy decides who gets which letter (policy actions with channel `letter`; each
scheduled one is a row of marts.contact_log with status scheduled) and records it; the engine
renders them. Two hand-offs:

    letter_rows(warehouse, as_of)                 -> list[dict]   plain rows, no dependency on letters/
    letters_for_day(warehouse, as_of, policy)     -> list[letters.Letter]

A row: letter_id (= contact_log.action_id), loan_id, customer_id, template, language, delivery,
letter_date (D), dpd, currency, overdue_amount, outstanding_amount, the recipient (full_name,
address_line1, address_line2, city, region, postal_code, country) and `arrears`: the itemised
overdue installments (installment_no, due_date, principal_due, interest_due, fee_due, paid_amount)
from the same allocation the DPD comes from (marts.loan_installment_allocation on D).

Only letters whose address is complete per policy contact.address_required (per destination
country: Hong Kong has no postcodes) are scheduled; the others are withheld in contact_log
(unreachable:no_address), so the engine's own address check should find nothing to refuse.

The sender printed (legal name, address, hotline for the destination country) and the account to pay
into (for the loan's currency, described in the letter's language) come from the policy's `lender:`
section; a currency the lender has no account for is refused by the engine, never printed with
another currency's details. Letters are mailed `contact.letters.mailing_lag_days` business days after
D (marts.letter_mailing_dates, computed by dbt); their deadlines count from that day.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

from pipelines.contact.policy import ContactPolicy, load_contact_policy
from pipelines.warehouse import reader

LETTERS_SQL = """
    select c.action_id as letter_id, c.loan_id, c.customer_id, c.template, c.language, c.dpd, c.currency,
           c.overdue_amount, d.outstanding_amount, r.full_name, r.address_line1, r.address_line2, r.city,
           r.region, r.postal_code, r.country
    from marts.contact_log c
    left join marts.contact_recipients r on r.as_of_date = c.as_of_date and r.customer_id = c.customer_id
    left join marts.loan_delinquency d on d.as_of_date = c.as_of_date and d.loan_id = c.loan_id
    where c.as_of_date = ? and c.status = 'scheduled' and c.channel = 'letter'
    order by c.template, c.language, c.loan_id
"""

ARREARS_SQL = """
    select a.loan_id, a.installment_no, a.due_date, a.principal_due, a.interest_due, a.fee_due, a.paid_amount
    from marts.loan_installment_allocation a
    where a.as_of_date = ?
        and a.is_past_due and a.unpaid_amount > 0
        and a.loan_id in (select loan_id from marts.contact_log
                          where as_of_date = ? and status = 'scheduled' and channel = 'letter')
    order by a.loan_id, a.due_date, a.installment_no
"""


def letter_rows(warehouse: Path, as_of: date, registered: tuple[str, ...] = ()) -> list[dict]:
    """The letters scheduled on `as_of`, as plain rows with their itemised arrears."""
    with reader(Path(warehouse)) as con:
        cursor = con.execute(LETTERS_SQL, [as_of])
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r)) for r in cursor.fetchall()]
        cursor = con.execute(ARREARS_SQL, [as_of, as_of])
        names = [d[0] for d in cursor.description]
        arrears: dict[str, list[dict]] = defaultdict(list)
        for r in cursor.fetchall():
            item = dict(zip(names, r))
            arrears[item.pop("loan_id")].append(item)
    for row in rows:
        row["letter_date"] = as_of
        row["delivery"] = "registered" if row["template"] in registered else "standard"
        row["arrears"] = arrears.get(row["loan_id"], [])
    return rows


MAILING_SQL = "select mailed_on from marts.letter_mailing_dates where night = ?"


def mailing_date(warehouse: Path, as_of: date) -> date:
    """The day the letters of night `as_of` are handed to the post, as the night's dbt build computed it
    (marts.letter_mailing_dates: the policy's mailing lag in business days of the contact calendar)."""
    with reader(Path(warehouse)) as con:
        found = con.execute(MAILING_SQL, [as_of]).fetchone()
    if found is None:
        raise LookupError(f"marts.letter_mailing_dates has no mailing date for the letters of {as_of}: "
                          "run the night's dbt build first")
    return found[0]


def letters_for_day(warehouse: Path, as_of: date, policy: ContactPolicy | Path) -> list:
    """The letters scheduled on `as_of` as `letters.Letter` objects, ready for the engine."""
    from letters.model import ArrearsItem, Letter, PaymentInstructions, Recipient, Sender, ValidationDetails

    if not isinstance(policy, ContactPolicy):
        policy = load_contact_policy(policy)
    conf = policy.letters
    lender = policy.lender
    rows = letter_rows(warehouse, as_of, conf["registered"])
    mailed = mailing_date(warehouse, as_of) if rows else None
    out = []
    for row in rows:
        language = row["language"]
        country = (row["country"] or "").strip().upper()
        creditor = lender.legal_name(language)
        bank = lender.payment(row["currency"] or "", language)
        items = tuple(ArrearsItem(installment=a["installment_no"], due_date=a["due_date"],
                                  principal=a["principal_due"], interest=a["interest_due"], fee=a["fee_due"],
                                  paid=a["paid_amount"]) for a in row["arrears"])
        validation = None
        if row["template"] == "validation_notice":
            # itemisation date = the letter date, amount = what is outstanding that day (no interest, fees
            # or payments since): the extract carries no statements to itemise from
            validation = ValidationDetails(
                itemization_date=as_of, amount_on_itemization_date=row["outstanding_amount"] or row["overdue_amount"],
                creditor_on_itemization_date=creditor, current_creditor=creditor, account_number=row["loan_id"])
        out.append(Letter(
            letter_id=row["letter_id"], loan_id=row["loan_id"], customer_id=row["customer_id"],
            template=row["template"], language=language, delivery=row["delivery"],
            recipient=Recipient(name=row["full_name"] or "", address_lines=tuple(
                x for x in (row["address_line1"], row["address_line2"]) if x), city=row["city"] or "",
                postal_code=row["postal_code"] or "", country=row["country"] or "", region=row["region"] or "",
                postcode_required="postal_code" in policy.address_fields(country)),
            letter_date=as_of, reference=row["loan_id"], currency=row["currency"] or "", arrears=items,
            dpd=row["dpd"],
            payment=None if bank is None else PaymentInstructions(
                bank_name=bank.bank_name, account_name=bank.account_name, account_number=bank.account_number,
                reference=row["loan_id"], online=lender.payment_url, swift=bank.swift),
            contact_hours=conf["contact_hours"].get(language, ""), validation=validation,
            sender=Sender(**lender.letter_sender(language, country)), mailing_date=mailed,
        ))
    return out


def letters_writer(warehouse: Path, as_of: date, policy_path: Path):
    """Publish writer: the night's letters as print files under `letters/` (one merged PDF, a
    manifest and control totals per batch = template × language × delivery class). A letter the
    engine refuses (e.g. an address it cannot print) is listed in `letters/rejected.csv` with its
    reason, never printed."""
    import csv

    from letters.render import render_batches

    def write(folder: Path) -> dict[str, int]:
        letters = letters_for_day(warehouse, as_of, policy_path)
        if not letters:
            return {}
        target = folder / "letters"
        results = render_batches(letters, target, progress=False)
        counts: dict[str, int] = {}
        rejected = []
        for _batch, result in sorted(results.items()):
            rejected += result.rejected
            for path in (result.pdf, result.manifest, result.totals):
                if path is not None:
                    counts[f"letters/{path.name}"] = result.letters
        if rejected:
            with (target / "rejected.csv").open("w", newline="", encoding="utf-8") as fh:
                out = csv.writer(fh, lineterminator="\n")
                out.writerow(["letter_id", "loan_id", "customer_id", "reason"])
                out.writerows([r.letter_id, r.loan_id, r.customer_id, r.reason] for r in rejected)
            counts["letters/rejected.csv"] = len(rejected)
        return counts

    return write
