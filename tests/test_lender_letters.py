"""The lender's one identity, letters by destination and dates that hold (no dbt: fast).

Letters are rendered to PDF and read back (pypdf): what the envelope window shows is what is tested.
"""
from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from letters import Sender, render_batches, validation_period_end
from letters.address import postal_formats
from letters.model import PaymentInstructions, Recipient, assumed_receipt, us_legal_holidays
from letters.sample import sample_letter
from letters.templating import TEMPLATE_DIR
from pipelines.contact.policy import load_contact_policy
from pipelines.errors import PolicyError
from pipelines.lender import packaged_lender, phone_country
from pipelines.policy import load_policy
from pipelines.settings import DEFAULT_POLICY

LENDER = packaged_lender()
POLICY = load_contact_policy(DEFAULT_POLICY)


def _policy(tmp_path: Path, change) -> Path:
    document = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    change(document)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


# --- 1. one lender identity ------------------------------------------------------------------------
@pytest.mark.parametrize("change, key, words", [
    (lambda d: d["lender"]["contacts"]["default"].update(hotline="95000"), "lender.contacts.default.hotline",
     "domestic number"),
    (lambda d: d["lender"]["payment"]["USD"].pop("en"), "lender.payment.USD.en", "missing"),
    (lambda d: d["lender"]["payment"].update(usd={}), "lender.payment.usd", "ISO 4217"),
    (lambda d: d["lender"]["contacts"].update(China={"hotline": "95000"}), "lender.contacts.China", "ISO 3166-1"),
    (lambda d: d["lender"]["contacts"]["default"].update(email_from="collections"), "lender.contacts.default.email_from",
     "e-mail address"),
    (lambda d: d["lender"]["opt_out"]["sms"].pop("zh-CN"), "lender.opt_out.sms.zh-CN", "missing"),
    (lambda d: d["lender"].update(unsubscribe={}), "lender.unsubscribe", "mailto"),
    (lambda d: d["lender"].update(bank="x"), "lender.bank", "unknown key"),
    (lambda d: d["contact"].update(lender={"name": "x"}), "contact.lender", "unknown key"),  # moved, not copied
])
def test_a_bad_lender_section_stops_load_policy_with_one_line(tmp_path, change, key, words):
    path = _policy(tmp_path, change)
    with pytest.raises(PolicyError) as error:
        load_policy(path).dbt_vars()
    message = str(error.value)
    assert message.startswith(f"{path}: {key}: ") and words in message and "\n" not in message


def test_load_policy_carries_the_one_identity():
    policy = load_policy(DEFAULT_POLICY)
    assert policy.lender == LENDER == load_contact_policy(DEFAULT_POLICY).lender
    assert not (TEMPLATE_DIR / "sender.yaml").exists()  # letters read the identity, not a copy


def test_a_short_number_only_reaches_its_own_country():
    assert LENDER.contacts("CN").hotline == "95000"
    for phone in ("+12125550100", "+447700900123", "+6581234567", "+85251234567"):
        country = phone_country(phone)
        assert country in ("US", "GB", "SG", "HK")
        assert LENDER.contacts(country).hotline.startswith("+")  # dialable from abroad
    assert phone_country("+8613800138000") == "CN" and phone_country("not a number") is None
    assert LENDER.contacts(None) == LENDER.contacts("ZZ") == LENDER.contacts_by_country["default"]


def test_payment_details_follow_language_and_currency():
    en_usd, zh_cny = LENDER.payment("USD", "en"), LENDER.payment("CNY", "zh-CN")
    assert "USD" in en_usd.bank_name and en_usd.bank_name.isascii()
    assert zh_cny.bank_name == "示例银行上海分行"
    assert LENDER.payment("CNY", "en").bank_name.isascii()     # English letters: no Chinese bank details
    assert LENDER.payment("EUR", "en") is None                 # no account: refused, never another currency's


def test_unsubscribe_header_has_mailto_and_one_click_url():
    header = LENDER.list_unsubscribe("abc 1")
    assert header == ("<mailto:unsubscribe@example-finance.cn?subject=unsubscribe%20abc%201>, "
                      "<https://www.example-finance.cn/unsubscribe?m=abc%201>")


# --- 3. letters by destination ---------------------------------------------------------------------
def _letter(seq: int, language: str, currency: str = "CNY", **recipient) -> object:
    letter = sample_letter("first_reminder", language, seq=seq)
    bank = LENDER.payment(currency, language)
    country = recipient["country"]
    return replace(
        letter, letter_id=f"T{seq}", currency=currency, recipient=Recipient(**recipient),
        payment=PaymentInstructions(bank.bank_name, bank.account_name, bank.account_number, letter.loan_id,
                                    LENDER.payment_url, bank.swift),
        sender=Sender(**LENDER.letter_sender(language, country)))


DESTINATIONS = [  # key, letter number, language, currency, name, street lines, city, region, postcode, country
    ("hk", 1, "zh-CN", "HKD", "陈大文", ("彌敦道123號", "5樓A室"), "Hong Kong", "Kowloon", "", "HK"),
    ("zh_us", 2, "zh-CN", "USD", "王小明", ("350 5th Avenue", "Apt 12B"), "New York", "NY", "10118", "US"),
    ("en_cn", 3, "en", "CNY", "张伟", ("朝阳区建国路88号",), "北京", "北京市", "100022", "CN"),
    ("en_gb", 4, "en", "CNY", "Jane Doe", ("221B Baker Street",), "London", "England", "NW1 6XE", "GB"),
    ("en_sg", 5, "en", "CNY", "Tan Ah Kow", ("Blk 123 Ang Mo Kio Ave 3", "#05-67"), "Singapore", "Central Region",
     "560123", "SG"),
    ("en_us_usd", 6, "en", "USD", "John Smith", ("1 Main St",), "Springfield", "IL", "62704", "US"),
    ("no_postcode_cn", 7, "zh-CN", "CNY", "李四", ("人民路1号",), "成都", "四川省", "", "CN"),
]


@pytest.fixture(scope="module")
def destinations(tmp_path_factory):
    out = tmp_path_factory.mktemp("destinations")
    letters = {key: _letter(seq, language, currency, name=name, address_lines=lines, city=city, region=region,
                            postal_code=postcode, country=country,
                            postcode_required="postal_code" in POLICY.address_fields(country))
               for key, seq, language, currency, name, lines, city, region, postcode, country in DESTINATIONS}
    results = render_batches(list(letters.values()), out, progress=False, workers=1)
    printed = {}
    for result in results.values():
        if result.manifest is None:
            continue
        reader = PdfReader(result.pdf)
        with open(result.manifest, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                start = int(row["page_start"]) - 1
                printed[row["letter_id"]] = (row, "\n".join(reader.pages[i].extract_text()
                                                              for i in range(start, start + int(row["content_pages"]))))
    rejected = {r.letter_id: r.reason for res in results.values() for r in res.rejected}
    return letters, printed, rejected


def _window(letter) -> list[str]:
    return postal_formats(str(TEMPLATE_DIR)).block(letter.recipient.normalised(), letter.sender.country)


def _in_order(text: str, lines: list[str]) -> bool:
    at = 0
    for line in lines:
        at = text.find(line, at)
        if at < 0:
            return False
        at += len(line)
    return True


def test_a_hong_kong_customer_gets_a_letter_without_postcode(destinations):
    letters, printed, rejected = destinations
    row, text = printed["T1"]
    assert row["postal_code"] == "" and row["country"] == "HK"
    assert _window(letters["hk"]) == ["陈大文", "彌敦道123號", "5樓A室", "Kowloon", "HONG KONG"]
    assert _in_order(text, _window(letters["hk"]))
    assert "T1" not in rejected
    # where postcodes exist they are still required
    assert rejected["T7"] == "incomplete address: missing postal_code"


def test_the_address_rule_is_per_destination_country():
    default = ("full_name", "address_line1", "city", "postal_code", "country")
    assert POLICY.address_fields("US") == POLICY.address_fields("CN") == POLICY.address_fields(None) == default
    assert POLICY.address_fields("HK") == ("full_name", "address_line1", "country")
    assert POLICY.address_fields("GH") == ("full_name", "address_line1", "city", "country")  # no postcodes there
    assert POLICY.address_fields("sg") == ("full_name", "address_line1", "postal_code", "country")
    rules = load_policy(DEFAULT_POLICY).dbt_vars()["contact_policy"]["address_required"]
    assert rules["default"] == list(default) and rules["HK"] == list(POLICY.address_fields("HK"))


def test_a_chinese_letter_to_new_york_is_in_us_format_with_the_country_line(destinations):
    letters, printed, _ = destinations
    row, text = printed["T2"]
    window = _window(letters["zh_us"])
    assert window == ["王小明", "350 5th Avenue", "Apt 12B", "New York NY 10118", "UNITED STATES OF AMERICA"]
    assert _in_order(text, window) and "收" not in text.split("王小明")[0][-5:]
    assert row["language"] == "zh-CN" and row["country"] == "US"


def test_each_destination_in_its_own_postal_format(destinations):
    letters, printed, _ = destinations
    # an English letter to a Chinese address: the Chinese order, no country line (the lender's country)
    assert _window(letters["en_cn"]) == ["100022", "北京市北京", "朝阳区建国路88号", "张伟 收"]
    assert _window(letters["en_gb"]) == ["Jane Doe", "221B Baker Street", "London", "NW1 6XE", "UNITED KINGDOM"]
    assert _window(letters["en_sg"]) == ["Tan Ah Kow", "Blk 123 Ang Mo Kio Ave 3", "#05-67", "SINGAPORE 560123",
                                         "SINGAPORE"]
    for key, seq in (("en_cn", "T3"), ("en_gb", "T4"), ("en_sg", "T5")):
        assert _in_order(printed[seq][1], _window(letters[key]))


def test_english_letters_show_the_english_details_of_the_loans_currency(destinations):
    _, printed, _ = destinations
    en_usd, en_cny, zh_usd = printed["T6"][1], printed["T4"][1], printed["T2"][1]
    assert "Example Bank, New York Branch (USD account)" in en_usd and "EXBKUS33" in en_usd
    assert "Example Bank, Shanghai Branch" in en_cny
    for text in (en_usd, en_cny):
        assert "示例银行" not in text and "95000" not in text   # no Chinese bank, no domestic short number abroad
    assert "示例银行纽约分行" in zh_usd


# --- 4. dates that hold ----------------------------------------------------------------------------
OPM = {  # US federal holidays on weekdays (observed dates), from the OPM's published calendars
    2021: ["2021-01-01", "2021-01-18", "2021-02-15", "2021-05-31", "2021-06-18", "2021-07-05", "2021-09-06",
           "2021-10-11", "2021-11-11", "2021-11-25", "2021-12-24", "2021-12-31"],
    2022: ["2022-01-17", "2022-02-21", "2022-05-30", "2022-06-20", "2022-07-04", "2022-09-05", "2022-10-10",
           "2022-11-11", "2022-11-24", "2022-12-26"],
    2023: ["2023-01-02", "2023-01-16", "2023-02-20", "2023-05-29", "2023-06-19", "2023-07-04", "2023-09-04",
           "2023-10-09", "2023-11-10", "2023-11-23", "2023-12-25"],
    2026: ["2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07",
           "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25"],
    2027: ["2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31", "2027-06-18", "2027-07-05", "2027-09-06",
           "2027-10-11", "2027-11-11", "2027-11-25", "2027-12-24", "2027-12-31"],
}


@pytest.mark.parametrize("year", sorted(OPM))
def test_us_federal_holidays_by_rule_match_the_published_calendar(year):
    observed = sorted(d.isoformat() for d in us_legal_holidays(year) if d.weekday() < 5 and d.year == year)
    assert observed == OPM[year]


@pytest.mark.parametrize("mailed, receipt, end", [
    ("2026-11-27", "2026-12-04", "2027-01-03"),  # Friday after Thanksgiving
    ("2026-12-23", "2026-12-31", "2027-01-30"),  # Christmas (Fri) skipped, the weekend too
    ("2027-07-02", "2027-07-12", "2027-08-11"),  # 4 July a Sunday: Monday 5 July observed and skipped
    ("2026-03-13", "2026-03-20", "2026-04-19"),  # a plain week: Friday -> Friday, weekend skipped
    ("2026-10-09", "2026-10-19", "2026-11-18"),  # Columbus Day (Mon 12 Oct) skipped
])
def test_validation_period_ends_30_days_after_the_assumed_receipt(mailed, receipt, end):
    mailed_on = date.fromisoformat(mailed)
    assert assumed_receipt(mailed_on) == date.fromisoformat(receipt)
    assert validation_period_end(mailed_on) == date.fromisoformat(end)


def test_letters_count_from_the_mailing_date_on_the_contact_calendar(tmp_path):
    """The mailing date is dbt's (int_contact__mailing_dates, read by the letters from
    marts.letter_mailing_dates): its unit tests hold the calendar cases (lag 2 over a weekend, lag 1
    over national day with a Saturday worked, lag 0 on a weekend); the policy's lag reaches it."""
    from pipelines.policy import load_policy
    from pipelines.transform import dbt_vars, run_dbt

    policy = load_contact_policy(DEFAULT_POLICY)
    assert policy.letters["mailing_lag_days"] == 2
    assert policy.dbt_vars()["contact_policy"]["visits"]["mailing_lag_days"] == 2
    run_dbt(["test", "--select", "test_type:unit,int_contact__mailing_dates",
             "--vars", dbt_vars(date(2026, 11, 28), **load_policy(DEFAULT_POLICY).dbt_vars())],
            tmp_path / "arrears.duckdb")


def test_the_validation_notice_prints_the_period_counted_from_mailing(tmp_path):
    business_date = date(2026, 11, 25)          # the night's date: a Wednesday
    mailed = date(2026, 11, 27)                 # Wed + 2 business days (int_contact__mailing_dates)
    letter = replace(sample_letter("validation_notice", "en", seq=3, as_of=business_date), mailing_date=mailed)
    results = render_batches([letter], tmp_path, progress=False, workers=1)
    (result,) = results.values()
    text = "\n".join(p.extract_text() for p in PdfReader(result.pdf).pages)
    assert "November 25, 2026" in text                       # dated the business date
    assert "mailed on November 27, 2026" in text and "received on December 4, 2026" in text
    assert "by January 3, 2027" in text and "January 2, 2027" not in text
    with open(result.manifest, newline="", encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    assert (row["mailing_date"], row["validation_period_end"]) == ("2026-11-27", "2027-01-03")
    # a demand's "within 14 days" counts from mailing too
    demand = replace(sample_letter("formal_demand", "en", seq=4, as_of=business_date), mailing_date=mailed)
    (res,) = render_batches([demand], tmp_path / "d", progress=False, workers=1).values()
    text = "\n".join(p.extract_text() for p in PdfReader(res.pdf).pages)
    assert (mailed + timedelta(days=14)).strftime("%B %-d, %Y") in text
