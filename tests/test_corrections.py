"""The named correction rules, the vectorised checks behind the GX expectations, masking, and the
history rules (last valid value, one person per national id). No warehouse: plain frames."""
from __future__ import annotations

import random

import pandas as pd
import phonenumbers
import pytest
from stdnum import numdb
from stdnum.cn import ric

from data_quality import corrections, formats, history, masking
from data_quality.corrections import correct_customers
from tests.extracts import customer


def _frame(*records: dict) -> pd.DataFrame:
    return pd.DataFrame(list(records)).replace("", None).astype("str")


def _corrected(**overrides) -> tuple[dict, pd.DataFrame]:
    frame, audit = correct_customers(_frame(customer("C1", **overrides)))
    return frame.iloc[0].to_dict(), audit


# --- phones -------------------------------------------------------------------------------------

@pytest.mark.parametrize("delivered, country, expected", [
    ("+８６１３８００１３８０００", "CN", "+8613800138000"),     # full-width digits
    ("+86 138-0013-8000", "CN", "+8613800138000"),              # spaces and dashes
    ("138 0013 8000", "CN", "+8613800138000"),                  # missing country code, CN default
    ("13800138000", "CN", "+8613800138000"),
    ("0086 13800138000", "CN", "+8613800138000"),               # international prefix
    ("8613800138000", "CN", "+8613800138000"),                  # country code without '+'
    ("5123 4567", "HK", "+85251234567"),                        # missing country code, HK default
    ("(212) 555-1234", "US", "+12125551234"),
])
def test_phone_e164_repairs_what_real_exports_contain(delivered, country, expected):
    row, audit = _corrected(phone=delivered, country=country)
    assert row["phone"] == expected
    assert audit.query("field == 'phone'").to_dict("records") == [
        {"record_id": "C1", "field": "phone", "before": delivered, "after": expected, "rule": "phone_e164"}]


def test_phone_that_is_no_number_is_left_as_delivered_for_validation():
    row, audit = _corrected(phone="call the office")
    assert row["phone"] == "call the office" and audit.query("field == 'phone'").empty


def test_phones_are_parsed_once_per_distinct_messy_value_and_never_when_already_valid(monkeypatch):
    calls = []
    real = formats._parse_e164
    monkeypatch.setattr(formats, "_parse_e164", lambda v, r: calls.append((v, r)) or real(v, r))
    phones = pd.Series(["+8613800138000"] * 1000 + ["138 0013 8000"] * 500 + ["138-0013-8000"] * 500, dtype="str")
    fixed = formats.to_e164(phones, pd.Series(["CN"] * 2000, dtype="str"))
    assert set(fixed) == {"+8613800138000"}
    assert calls == [("13800138000", "CN")]     # both spellings clean to one value, parsed once


def test_fast_path_never_accepts_a_number_phonenumbers_rejects():
    """phone_is_valid decides most numbers with phonenumbers' own metadata patterns; it must agree
    with phonenumbers.is_valid_number on every number, valid or not."""
    rng = random.Random(7)
    numbers = []
    for code, length in (("86", 11), ("852", 8), ("65", 8), ("44", 10), ("1", 10)):
        for _ in range(400):
            numbers.append("+" + code + "".join(rng.choice("0123456789") for _ in range(length)))
    values = pd.Series(numbers, dtype="str")
    expected = [phonenumbers.is_valid_number(phonenumbers.parse(n)) for n in numbers]
    assert formats.phone_is_valid(values).tolist() == expected
    assert 0 < sum(expected) < len(numbers)


# --- e-mail, names, addresses, ids, postal codes, languages -----------------------------------

def test_email_is_trimmed_and_lower_cased():
    row, audit = _corrected(email="  ZHANG.Wei@Example.COM ")
    assert row["email"] == "zhang.wei@example.com"
    assert audit.query("field == 'email'")["rule"].tolist() == ["email_normalise"]


def test_names_and_addresses_are_width_and_space_normalised():
    row, audit = _corrected(full_name=" 张 伟 ", address_line1="朝阳区　建国路８８号", city="北京市 ")
    assert (row["full_name"], row["address_line1"], row["city"]) == ("张伟", "朝阳区建国路88号", "北京市")
    assert set(audit["rule"]) == {"width_whitespace"}
    row, _ = _corrected(full_name="Ｒｉｃｈａｒｄ　　 Adams", country="GB")
    assert row["full_name"] == "Richard Adams"


def test_whitespace_only_values_become_blank():
    row, audit = _corrected(address_line2="   ")
    assert pd.isna(row["address_line2"])
    assert audit.query("field == 'address_line2'")["after"].isna().all()


def test_national_id_postal_code_country_and_language_take_their_standard_form():
    row, _ = _corrected(national_id="110105 19491231 002x", postal_code="１０００ ２２", country=" cn",
                        preferred_language="ZH_cn")
    assert (row["national_id"], row["postal_code"], row["country"], row["preferred_language"]) == (
        "11010519491231002X", "100022", "CN", "zh-CN")
    row, _ = _corrected(country="GB", postal_code="sw1a1aa", preferred_language="EN-gb")
    assert (row["postal_code"], row["preferred_language"]) == ("SW1A 1AA", "en-GB")


def test_blank_region_is_filled_from_the_postal_code_but_a_mismatch_is_not_guessed():
    row, audit = _corrected(region="", postal_code="510620")
    assert row["region"] == "广东省"
    assert audit.query("field == 'region'")["rule"].tolist() == ["region_from_postal_code"]
    row, audit = _corrected(region="浙江省", postal_code="100022")       # which side is wrong?
    assert row["region"] == "浙江省" and audit.query("field == 'region'").empty
    mismatch = _frame(customer("C1", region="浙江省", postal_code="100022"))
    assert not formats.region_matches_postal_code(mismatch["region"], mismatch["postal_code"], mismatch["country"])[0]


def test_clean_records_produce_no_audit_rows():
    _, audit = correct_customers(_frame(customer("C1"), customer("C2", country="HK", postal_code="",
                                                                 phone="+85251234567")))
    assert audit.empty


def test_every_rule_is_named_and_documented():
    names = [rule.name for rule in corrections.RULES]
    assert len(names) == len(set(names))
    assert all(rule.description and rule.fields for rule in corrections.RULES)


# --- validity checks ----------------------------------------------------------------------------

def _stdnum_valid(number: str) -> bool:
    """stdnum.cn.ric's checks one by one, without its birth-year test of the region code."""
    try:
        number = ric.compact(number)
        if len(number) != 18 or not number[:-1].isdigit() or number[-1] != ric.calc_check_digit(number):
            return False
        ric.get_birth_date(number)
    except Exception:
        return False
    return any("county" in props for _, props in numdb.get("cn/loc").info(number[:6]))


def test_cn_resident_id_check_equals_python_stdnum():
    rng = random.Random(3)
    ids = ["11010519491231002X", "110105194912310021", "50010319860619994X", "99999919900101001X",
           "110105199002300011", "11010519491231002", None, "H53640511"]
    for _ in range(2000):
        body = rng.choice(["110105", "440106", "500103", "320508", "123456"]) + \
            f"{rng.randint(1940, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 31):02d}{rng.randint(0, 999):03d}"
        check = ric.calc_check_digit(body + "0") if rng.random() < 0.8 else rng.choice("0123456789X")
        ids.append(body + check)
    values = pd.Series(ids, dtype="str")
    assert formats.cn_resident_id_is_valid(values).tolist() == [bool(v) and _stdnum_valid(v) for v in ids]


def test_national_id_rule_depends_on_the_country():
    ids = pd.Series(["11010519491231002X", "H53640511", "H53640511", "not an id"], dtype="str")
    countries = pd.Series(["CN", "HK", "CN", "SG"], dtype="str")
    assert formats.national_id_is_valid(ids, countries).tolist() == [True, True, False, False]


def test_other_field_checks():
    assert formats.email_is_valid(pd.Series(["a.b@qq.com", "A@QQ.COM", "a@b", None], dtype="str")).tolist() == [
        True, False, False, False]
    assert formats.timezone_is_valid(pd.Series(["Asia/Shanghai", "Mars/Base", None], dtype="str")).tolist() == [
        True, False, False]
    assert formats.postal_code_is_valid(pd.Series(["100022", None, "12", None], dtype="str"),
                                        pd.Series(["CN", "HK", "CN", "CN"], dtype="str")).tolist() == [
        True, True, False, False]


# --- masking ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, value, masked", [
    ("phone", "13800138000", "*******8000"),
    ("phone", "+8613800138000", "+*********8000"),
    ("phone", "+65 9961 3469", "+** **** 3469"),
    ("phone", "138-0013-8000", "***-****-8000"),
    ("email", "zhang.wei@example.com", "z***@example.com"),
    ("national_id", "11010519491231002X", "**************002X"),
    ("name", "张伟", "张*"),
    ("name", "Richard Adams", "R****** A****"),
    ("address", "朝阳区建国路88号", "朝阳区******"),
    ("date", "1949-12-31", "1949-**-**"),
    ("postal", "100022", "100***"),
])
def test_masks_keep_the_shape_never_the_person(kind, value, masked):
    assert masking.mask(kind, value) == masked


def test_masked_gx_result_drops_full_lists_and_masks_every_sample():
    class Config:
        kwargs = {"column_list": ["national_id", "country"]}

    result = {"element_count": 3, "unexpected_count": 1, "unexpected_list": [{"national_id": "110105194912310021"}],
              "unexpected_index_list": [{"national_id": "110105194912310021", "country": "CN", "_source_row": 2}],
              "partial_unexpected_list": [{"national_id": "110105194912310021", "country": "CN"}],
              "partial_unexpected_counts": [{"value": ("110105194912310021", "CN"), "count": 1}],
              "partial_unexpected_index_list": [{"national_id": "110105194912310021", "country": "CN",
                                                 "_source_row": 2}]}
    masked = masking.mask_result("customers", Config, result)
    assert "unexpected_list" not in masked and "unexpected_index_list" not in masked
    assert "110105194912310021" not in repr(masked)
    assert masked["partial_unexpected_index_list"] == [{"national_id": "**************0021", "country": "CN",
                                                        "_source_row": 2}]


# --- history ------------------------------------------------------------------------------------

def _prior(**values) -> pd.DataFrame:
    record = customer("C1") | values
    return pd.DataFrame([record | {"invalid_fields": values.pop("_invalid", [])}])


def test_a_field_invalid_today_falls_back_to_its_last_valid_value_and_is_audited():
    today = _frame(customer("C1", phone="garbage")).assign(_source_row=1).set_index("_source_row", drop=False)
    fixed, audit, fallback, invalid = history.fall_back(today, {"phone": {1}}, _prior())
    assert fixed.at[1, "phone"] == "+8613800138000"
    assert fallback[1] == ["phone"] and invalid[1] == []
    assert audit.to_dict("records") == [{"record_id": "C1", "field": "phone", "before": "garbage",
                                         "after": "+8613800138000", "rule": "fallback_last_valid"}]


def test_no_fallback_to_a_value_that_was_itself_invalid_or_missing():
    today = _frame(customer("C1", phone="garbage")).assign(_source_row=1).set_index("_source_row", drop=False)
    prior = _prior(phone="also garbage")
    prior.at[0, "invalid_fields"] = ["phone"]
    fixed, audit, fallback, invalid = history.fall_back(today, {"phone": {1}}, prior)
    assert fixed.at[1, "phone"] == "garbage" and invalid[1] == ["phone"] and audit.empty
    fixed, _, _, invalid = history.fall_back(today, {"phone": {1}}, None)     # first night: no history
    assert invalid[1] == ["phone"]


def test_customers_sharing_a_valid_national_id_are_one_person_and_ids_are_stable():
    frame = _frame(customer("C1"), customer("C9", full_name="张 伟"), customer("C2", national_id="11010519800101001X"),
                   customer("C3", national_id="bad"), customer("C4", national_id="bad"))
    persons = history.person_ids(frame)
    assert persons[0] == persons[1]
    assert len({persons[0], persons[2], persons[3], persons[4]}) == 4     # invalid ids never link
    assert history.person_ids(frame.iloc[::-1]).tolist() == persons.iloc[::-1].tolist()
