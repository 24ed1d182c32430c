"""Evidence packs: for every legal referral of the night, the case in one file for the lawyer.

    <OUT>/<date>/evidence/<loan_id>.zip

One ZIP per referred loan, with:

    README.txt              what the pack holds and how to verify it
    loan.json               the loan's terms and the debtor as delivered on the date
    schedule.csv            the schedule with the allocation of payments per installment (fee,
                            interest, principal: oldest first), the same rows `arrears explain` shows
    payments.csv            the payment ledger: every payment and reversal delivered by the date,
                            whether it counted and why (and quarantined payments with the reason)
    dpd_explanation.txt     `arrears explain LOAN --as-of DATE`: how the DPD came out
    contact_attempts.csv    every contact the lender's systems reported (the extract's attempts)
    contact_log.csv         every contact the product scheduled or withheld for the loan, with reason
    letters/<date>-<template>-<letter_id>.pdf
                            the letters sent: that loan's pages taken from the night's print file
                            (re-rendered from the warehouse only when the print file is gone)
    manifest.json, SHA256SUMS
                            sha256 and size of every part (`sha256sum -c SHA256SUMS` verifies)

A ZIP rather than a PDF with attachments: the CSVs open in a spreadsheet and the letters stay the
exact pages that went to the print house (bytes a PDF container would re-encode), and every part is
checked with standard tools. Deterministic: parts in name order, each stamped with the business date
(not the wall clock), fixed permissions and compression; a rerun of the night writes the same bytes.

Tonight's referrals come from one function, `legal_referrals`, reading marts.contact_log (channel
legal_referral, status scheduled): the one place to switch when placements get their own mart.
The case as delivered comes from marts (models/marts/delivered/): delivered_loans,
legal_case_debtors (the customer of a loan referred that night, nobody else),
delivered_contact_attempts and quarantined_payments (through `explain_data`).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from pipelines.warehouse import reader

FileWriter = Callable[[Path], dict[str, int]]
FOLDER = "evidence"


def legal_referrals(warehouse: Path, as_of: date) -> list[str]:
    """Loan ids referred to legal on `as_of` (the one read of tonight's referrals)."""
    with reader(warehouse) as con:
        return [r[0] for r in con.execute(
            """select distinct loan_id from marts.contact_log
               where as_of_date = ? and channel = 'legal_referral' and status = 'scheduled' order by loan_id""",
            [as_of]).fetchall()]


def _rows(con, sql: str, params: list) -> tuple[list[dict], list[str]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()], names


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _csv(rows: list[dict], columns: list[str]) -> bytes:
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(columns)
    for row in rows:
        out.writerow([_text(row.get(c)) for c in columns])
    return buffer.getvalue().encode("utf-8")


def _json(value) -> bytes:
    return (json.dumps(value, default=_text, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


@dataclass(frozen=True)
class SentLetter:
    as_of: date
    letter_id: str
    template: str


def _letter_pages(night_folder: Path, letter_id: str) -> bytes | None:
    """The pages of one letter cut from the night's print file (None: the file is not there)."""
    from pypdf import PdfReader, PdfWriter

    for manifest in sorted((night_folder / "letters").glob("*.manifest.csv")):
        with manifest.open(newline="", encoding="utf-8") as fh:
            row = next((r for r in csv.DictReader(fh) if r["letter_id"] == letter_id), None)
        if row is None:
            continue
        source = PdfReader(manifest.with_name(manifest.name[: -len(".manifest.csv")] + ".pdf"))
        writer = PdfWriter()
        start = int(row["page_start"]) - 1
        for page in range(start, start + int(row["content_pages"])):
            writer.add_page(source.pages[page])
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()
    return None


def _rerendered(warehouse: Path, policy_path: Path, letter: SentLetter) -> bytes | None:
    """The letter rendered again from the warehouse (the night's print file is gone)."""
    import tempfile

    from letters.render import render_batch
    from pipelines.contact.letters import letters_for_day

    chosen = [x for x in letters_for_day(warehouse, letter.as_of, policy_path) if x.letter_id == letter.letter_id]
    if not chosen:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        result = render_batch(chosen, tmp, "evidence", progress=False, workers=1, duplex=False)
        return result.pdf.read_bytes() if result.pdf is not None else None


class EvidencePacks:
    def __init__(self, warehouse: Path, as_of: date, out: Path, policy_path: Path):
        self.warehouse, self.as_of, self.out, self.policy_path = Path(warehouse), as_of, Path(out), Path(policy_path)

    def parts(self, loan_id: str, tonight: Path) -> tuple[dict[str, bytes], list[dict]]:
        """The pack's files by name, and where each letter copy came from."""
        from pipelines.explain import explain, explain_data

        data = explain_data(loan_id, self.as_of, self.warehouse, known_on_date=True)
        with reader(self.warehouse) as con:
            terms, _ = _rows(con, "select * from marts.delivered_loans where as_of_date = ? and loan_id = ?",
                          [self.as_of, loan_id])
            debtor, _ = _rows(con, """select * from marts.legal_case_debtors
                                   where as_of_date = ? and customer_id = ?""",
                           [self.as_of, data["loan"]["customer_id"]])
            attempts, attempt_columns = _rows(con, """select * from marts.delivered_contact_attempts
                                     where loan_id = ? and delivered_on <= ? order by started_at, attempt_id""",
                             [loan_id, self.as_of])
            log, log_columns = _rows(con, """select * from marts.contact_log where loan_id = ? and as_of_date <= ?
                                order by as_of_date, channel, template""", [loan_id, self.as_of])
        files = {
            "loan.json": _json({"loan": terms[0] if terms else None, "debtor": debtor[0] if debtor else None,
                                "as_of": self.as_of, "delinquency": data["recorded"],
                                "outcome": data["accountability"]}),
            "schedule.csv": _csv(data["schedule"], data["schedule_columns"]),
            "payments.csv": _csv(data["payments"] + [dict(p, status=f"never counts (quarantined: {p['reason']})")
                                                     for p in data["quarantined"]], data["payment_columns"]),
            "dpd_explanation.txt": (explain(loan_id, self.as_of, self.warehouse, self.policy_path,
                                            data=data) + "\n").encode(),
            "contact_attempts.csv": _csv(attempts, attempt_columns),
            "contact_log.csv": _csv(log, log_columns),
        }
        sources = []
        for entry in log:
            if entry["channel"] != "letter" or entry["status"] != "scheduled":
                continue
            letter = SentLetter(entry["as_of_date"], entry["action_id"], entry["template"])
            night = tonight if letter.as_of == self.as_of else self.out / letter.as_of.isoformat()
            pdf, source = _letter_pages(night, letter.letter_id), "print file"
            if pdf is None:
                pdf, source = _rerendered(self.warehouse, self.policy_path, letter), "re-rendered"
            name = f"letters/{letter.as_of.isoformat()}-{letter.template}-{letter.letter_id}.pdf"
            if pdf is not None:
                files[name] = pdf
            sources.append({"letter_id": letter.letter_id, "as_of": letter.as_of, "template": letter.template,
                            "file": name if pdf is not None else None,
                            "source": source if pdf is not None else "not printed (refused by the letters engine)"})
        return files, sources

    def bundle(self, loan_id: str, tonight: Path) -> tuple[bytes, int]:
        files, sources = self.parts(loan_id, tonight)
        listing = [{"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                   for name, data in sorted(files.items())]
        files["manifest.json"] = _json({"loan_id": loan_id, "as_of": self.as_of, "referral": "legal_referral",
                                        "parts": listing, "letters": sources})
        files["SHA256SUMS"] = "".join(f"{p['sha256']}  {p['name']}\n" for p in listing).encode()
        files["README.txt"] = README.format(loan=loan_id, as_of=self.as_of).encode()
        stamp = (self.as_of.year, self.as_of.month, self.as_of.day, 0, 0, 0)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name in sorted(files):
                info = zipfile.ZipInfo(f"{loan_id}/{name}", date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                info.create_system = 3  # unix: the permissions above apply
                archive.writestr(info, files[name], compresslevel=6)
        return buffer.getvalue(), len(files)

    def write(self, folder: Path) -> dict[str, int]:
        """Publish writer (after the letters writer: tonight's letters are in `folder/letters`)."""
        counts = {}
        for loan_id in legal_referrals(self.warehouse, self.as_of):
            data, parts = self.bundle(loan_id, folder)
            target = folder / FOLDER / f"{loan_id}.zip"
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(data)
            counts[f"{FOLDER}/{loan_id}.zip"] = parts
        return counts


README = """Evidence pack of loan {loan}, referred to legal on {as_of}.

loan.json             the loan's terms and the debtor as delivered on {as_of}; DPD and outcome that night
schedule.csv          schedule and allocation of payments per installment (fee, interest, principal)
payments.csv          every payment and reversal, and whether it counted on {as_of}
dpd_explanation.txt   how the days past due came out
contact_attempts.csv  every contact attempt the lender's systems reported
contact_log.csv       every contact scheduled or withheld by the collection system, with its reason
letters/              the letters sent, as printed
manifest.json         size and sha256 of every part; where each letter copy came from

Verify: unzip, then in this folder run  sha256sum -c SHA256SUMS
"""


def evidence_writer(warehouse: Path, as_of: date, out: Path, policy_path: Path) -> FileWriter:
    return EvidencePacks(warehouse, as_of, out, policy_path).write
