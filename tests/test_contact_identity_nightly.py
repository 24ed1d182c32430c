"""End to end (`run_night`): what the lender says and prints, read back from the published files.

Two nights of a hand-made book: customers in mainland China, Hong Kong (no postcodes), New York
(a Chinese-speaking customer) and London; a loan that reaches its legal referral on the second
night after a final demand on the first.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from pypdf import PdfReader

from pipelines.lender import packaged_lender, phone_country
from pipelines.nightly import run_night
from pipelines.warehouse import reader
from tests.extracts import customer, installment, loan, small_book, write_extract

pytestmark = pytest.mark.slow
NIGHT1, NIGHT2 = date(2026, 3, 11), date(2026, 4, 9)
OPT_OUT = {"sms": {"zh-CN": "回T退订", "en": "Reply STOP to opt out"},
           "email": {"zh-CN": "如不希望再收到此类邮件，请退订", "en": "To stop these e-mails, unsubscribe"}}


def identity_book() -> dict[str, list[dict]]:
    book = small_book()  # C1/L1 (Beijing, zh-CN): instalment 2 due 2026-03-10
    extra = [
        # Hong Kong: no postcode; overdue since 2026-03-01 (first reminder on DPD 10)
        (customer("C7", full_name="陈大文", phone="+85251234567", email="c7@example.com", address_line1="彌敦道123號",
                  address_line2="5樓A室", city="Hong Kong", region="Kowloon", postal_code="", country="HK",
                  timezone="Asia/Hong_Kong", national_id="H12345678"), "L7", "2026-03-01", "800.00", "HKD"),
        # New York, speaks Chinese: the validation notice (US) on DPD 1, in zh-CN, US address format
        (customer("C8", full_name="王小明", phone="+12125550188", email="c8@example.com",
                  address_line1="350 5th Avenue", address_line2="Apt 12B", city="New York", region="NY",
                  postal_code="10118", country="US", timezone="America/New_York", national_id="X1"),
         "L8", "2026-03-10", "700.00", "USD"),
        # London, English, no phone: the SMS falls back to e-mail
        (customer("C10", full_name="Jane Doe", phone="", email="jane@example.co.uk", address_line1="221B Baker Street",
                  city="London", region="England", postal_code="NW1 6XE", country="GB", preferred_language="en",
                  timezone="Europe/London", national_id="X2"), "L10", "2026-03-10", "600.00", "CNY"),
        # Beijing, no phone: e-mail in Chinese
        (customer("C11", phone="", email="c11@example.com", national_id="X3"), "L11", "2026-03-10", "500.00", "CNY"),
        # 91 DPD on night 1 (final demand), 120 on night 2 (legal referral: >= 5,000.00 overdue)
        (customer("C9", full_name="赵强", phone="+8613900000009", email="c9@example.com", national_id="X4"),
         "L9", "2025-12-10", "6000.00", "CNY"),
    ]
    for record, loan_id, due, principal, currency in extra:
        book["customers"].append(record)
        book["loans"].append(loan(loan_id, record["customer_id"], currency=currency, principal_amount=principal,
                                  disbursed_on="2025-11-10" if loan_id == "L9" else "2026-01-10"))
        book["installments"].append(installment(loan_id, 1, due, principal, "20.00"))
    return book


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    from pipelines.settings import Paths

    root = tmp_path_factory.mktemp("identity")
    paths = Paths.resolve(landing=root / "landing", warehouse=root / "warehouse" / "arrears.duckdb",
                          out=root / "outbox")
    for night in (NIGHT1, NIGHT2):
        write_extract(paths.landing, night, identity_book())
        run_night(night, paths)
    return paths


def _csv(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _letters(folder) -> dict[str, tuple[dict, str]]:
    """letter rows of every batch with the text of the letter's pages (read back from the PDF)."""
    out = {}
    for manifest in sorted((folder / "letters").glob("*.manifest.csv")):
        pdf = PdfReader(manifest.with_name(manifest.name.replace(".manifest.csv", ".pdf")))
        for row in _csv(manifest):
            start = int(row["page_start"]) - 1
            text = "\n".join(pdf.pages[i].extract_text() for i in range(start, start + int(row["content_pages"])))
            out[(row["loan_id"], row["template"])] = (row, text)
    return out


def test_every_sms_and_email_carries_opt_out_sender_and_the_right_hotline(nights):
    lender = packaged_lender()
    messages = 0
    for night in (NIGHT1, NIGHT2):
        folder = nights.out / str(night)
        for row in _csv(folder / "sms.csv"):
            messages += 1
            assert OPT_OUT["sms"][row["language"]] in row["text"]
            country = phone_country(row["phone"])
            assert row["sender"] == lender.contacts(country).sms_sender
            if not row["phone"].startswith("+86"):
                assert "95000" not in row["text"] and "+86 21 6000 0000" in row["text"]
        for line in (folder / "emails.jsonl").read_text(encoding="utf-8").splitlines():
            email = json.loads(line)
            messages += 1
            assert {"message_id", "loan_id", "customer_id", "to", "subject", "text", "html", "send_after",
                    "send_before", "from", "reply_to", "list_unsubscribe"} <= set(email)
            assert email["from"] == "Example Finance <collections@example-finance.cn>"
            assert email["reply_to"] == "service@example-finance.cn"
            assert email["list_unsubscribe"].startswith("<mailto:unsubscribe@example-finance.cn?subject=")
            assert f"m={email['message_id']}>" in email["list_unsubscribe"]
            assert email["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
            language = "en" if email["loan_id"] == "L10" else "zh-CN"
            assert OPT_OUT["email"][language] in email["text"] and OPT_OUT["email"][language] in email["html"]
            assert f"unsubscribe?m={email['message_id']}" in email["html"]
    night1 = nights.out / str(NIGHT1)
    sms = {r["loan_id"]: r for r in _csv(night1 / "sms.csv")}
    assert "95000" in sms["L1"]["text"] and "+1" in sms["L8"]["phone"]  # both kinds were tested
    assert {json.loads(x)["loan_id"] for x in (night1 / "emails.jsonl").read_text().splitlines()} >= {"L10", "L11"}
    assert messages >= 6


def test_hong_kong_gets_its_letter_and_is_not_sent_to_skip_trace(nights):
    folder = nights.out / str(NIGHT1)
    letters = _letters(folder)
    row, text = letters[("L7", "first_reminder")]
    assert row["postal_code"] == "" and row["country"] == "HK"
    assert text.index("陈大文") < text.index("彌敦道123號") < text.index("Kowloon") < text.index("HONG KONG")
    assert "L7" not in {r["loan_id"] for r in _csv(folder / "skip_trace.csv")}
    with reader(nights.warehouse) as con:
        status = con.execute("""select status, reason from marts.contact_log
                                where as_of_date = ? and loan_id = 'L7' and channel = 'letter'""", [NIGHT1]).fetchall()
    assert status == [("scheduled", status[0][1])] and "unreachable" not in status[0][1]
    # the HKD loan shows the lender's HKD account, in the letter's language
    assert "示例银行香港分行（港元账户）" in text


def test_the_chinese_validation_notice_to_new_york_is_in_us_format_and_counts_from_mailing(nights):
    folder = nights.out / str(NIGHT1)
    row, text = _letters(folder)[("L8", "validation_notice")]
    assert row["language"] == "zh-CN" and row["country"] == "US"
    lines = ["王小明", "350 5th Avenue", "Apt 12B", "New York NY 10118", "UNITED STATES OF AMERICA"]
    at = [text.index(x) for x in lines]
    assert at == sorted(at)
    from pipelines.contact.letters import mailing_date
    mailed = mailing_date(nights.warehouse, NIGHT1)  # dbt's (marts.letter_mailing_dates)
    assert mailed == date(2026, 3, 13) and row["mailing_date"] == "2026-03-13"   # Wed + 2 business days
    assert row["validation_period_end"] == "2026-04-19"
    # receipt Fri 20 March (5 US business days), period ends 30 days later: Sun 19 April
    assert "2026年3月13日 寄出" in text and "2026年3月20日 收到" in text and "2026年4月19日" in text
    assert "95000" not in text and "+86 21 6000 0000" in text   # the hotline dialable from the US


def test_a_legal_referral_gets_its_evidence_pack_with_a_manifest_that_verifies(nights):
    import hashlib
    import zipfile

    from pipelines.evidence import EvidencePacks, legal_referrals

    folder = nights.out / str(NIGHT2)
    assert legal_referrals(nights.warehouse, NIGHT2) == ["L9"]
    assert not (nights.out / str(NIGHT1) / "evidence").exists()  # no referral on night 1: no pack
    pack = folder / "evidence" / "L9.zip"
    batch = json.loads((folder / "_batch.json").read_text())
    assert batch["sha256"]["evidence/L9.zip"] == hashlib.sha256(pack.read_bytes()).hexdigest()

    with zipfile.ZipFile(pack) as archive:
        files = {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}
        assert all(name.startswith("L9/") for name in archive.namelist())
    assert batch["counts"]["evidence/L9.zip"] == len(files)
    manifest = json.loads(files["manifest.json"])
    listed = {p["name"]: p for p in manifest["parts"]}
    assert set(listed) == set(files) - {"manifest.json", "SHA256SUMS", "README.txt"}
    for name, part in listed.items():  # every checksum verifies, and SHA256SUMS says the same
        assert hashlib.sha256(files[name]).hexdigest() == part["sha256"] and len(files[name]) == part["bytes"]
        assert f"{part['sha256']}  {name}\n" in files["SHA256SUMS"].decode()
    assert {"loan.json", "schedule.csv", "payments.csv", "dpd_explanation.txt", "contact_attempts.csv",
            "contact_log.csv"} <= set(listed)

    loan = json.loads(files["loan.json"])
    assert loan["loan"]["loan_id"] == "L9" and loan["debtor"]["full_name"] == "赵强"
    assert "DPD = 2026-04-09 - 2025-12-10 = 120 days" in files["dpd_explanation.txt"].decode()
    schedule = list(csv.DictReader(io.StringIO(files["schedule.csv"].decode())))
    assert [(r["installment_no"], r["principal_due"], r["state"]) for r in schedule] == [("1", "6000.00",
                                                                                          "past due 120 d")]
    log = list(csv.DictReader(io.StringIO(files["contact_log.csv"].decode())))
    assert ("2026-04-09", "legal_referral", "scheduled") in {(r["as_of_date"], r["channel"], r["status"]) for r in log}
    assert {r["as_of_date"] for r in log} == {"2026-03-11", "2026-04-09"}

    # the final demand of night 1, cut from that night's print file: the same text as printed
    letters = [x for x in manifest["letters"] if x["template"] == "final_demand"]
    assert len(letters) == 1 and letters[0]["source"] == "print file" and letters[0]["as_of"] == "2026-03-11"
    copy = PdfReader(io.BytesIO(files[letters[0]["file"]]))
    _, printed = _letters(nights.out / str(NIGHT1))[("L9", "final_demand")]
    assert "\n".join(p.extract_text() for p in copy.pages) == printed

    # deterministic: the pack built again from the warehouse and the outbox is the same bytes
    again, _ = EvidencePacks(nights.warehouse, NIGHT2, nights.out, nights.policy).bundle("L9", folder)
    assert again == pack.read_bytes()

    # a night's print files gone (archived elsewhere): the letter is rendered again from the warehouse
    letters_folder = nights.out / str(NIGHT1) / "letters"
    letters_folder.rename(letters_folder.with_name("letters.archived"))
    try:
        parts, sources = EvidencePacks(nights.warehouse, NIGHT2, nights.out, nights.policy).parts("L9", folder)
    finally:
        letters_folder.with_name("letters.archived").rename(letters_folder)
    (source,) = [x for x in sources if x["template"] == "final_demand"]
    assert source["source"] == "re-rendered"
    copy = PdfReader(io.BytesIO(parts[source["file"]]))
    assert "\n".join(p.extract_text() for p in copy.pages) == printed
