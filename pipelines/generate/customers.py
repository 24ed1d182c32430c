"""Synthetic people: names, resident ids, phones, e-mails and addresses that look like a Chinese
lender's customer master (mostly mainland customers, a few living in Hong Kong, Singapore,
London or New York), built column-wise with Arrow.
"""
from __future__ import annotations

import string

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import reference as ref
from .columns import concat, constant, dates, digits, pick, timestamps

CN = "CN"
COUNTRIES = [CN] + [f["country"] for f in ref.FOREIGN]
CALLING_CODES = {CN: "86", **{f["country"]: f["calling"] for f in ref.FOREIGN}}
FOREIGN_SHARE = 0.04
ENGLISH_SHARE = {CN: 0.06, "foreign": 0.75}        # preferred language en
CHINESE_NAME_SHARE = {"HK": 0.8, "SG": 0.6, "GB": 0.1, "US": 0.1}
BLANK_TIMEZONE_SHARE = 0.08

# ISO 7064 MOD 11-2 check character of a mainland resident id (GB 11643-1999).
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = list("10X98765432")
_LETTERS = list(string.ascii_uppercase)


def resident_id_check(first17: np.ndarray) -> np.ndarray:
    """Index into _ID_CHECK for 17-digit numbers (region code, birth date, sequence)."""
    place = 10 ** np.arange(16, -1, -1, dtype=np.int64)
    digit = (np.asarray(first17, dtype=np.int64)[:, None] // place) % 10
    return (digit @ _ID_WEIGHTS) % 11


def chinese_names(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Full names (surname + one or two given characters) and the pinyin of surname and given name."""
    weights = np.array([w for _, _, w in ref.SURNAMES])
    surname = rng.choice(len(ref.SURNAMES), n, p=weights / weights.sum())
    chars = [c for c, _ in ref.GIVEN_CHARACTERS] + [""]
    sounds = [p for _, p in ref.GIVEN_CHARACTERS] + [""]
    first = rng.integers(0, len(ref.GIVEN_CHARACTERS), n)
    second = np.where(rng.random(n) < 0.7, rng.integers(0, len(ref.GIVEN_CHARACTERS), n), len(chars) - 1)
    name = concat(pick([s for s, _, _ in ref.SURNAMES], surname), pick(chars, first), pick(chars, second))
    return (name, pick([p for _, p, _ in ref.SURNAMES], surname),
            concat(pick(sounds, first), pick(sounds, second)))


def _english_names(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array, pa.Array]:
    first = pick(ref.ENGLISH_FIRST_NAMES, rng.integers(0, len(ref.ENGLISH_FIRST_NAMES), n))
    last = pick(ref.ENGLISH_LAST_NAMES, rng.integers(0, len(ref.ENGLISH_LAST_NAMES), n))
    return concat(first, " ", last), pc.utf8_lower(last), pc.utf8_lower(first)


def _pattern(rng: np.random.Generator, pattern: str, n: int) -> pa.Array:
    """Text following a pattern: '#' a random digit, '@' a random capital letter, anything else itself."""
    parts = [digits(rng.integers(0, 10, n), 1) if ch == "#" else
             pick(_LETTERS, rng.integers(0, 26, n)) if ch == "@" else ch for ch in pattern]
    return concat(*parts) if pattern else pa.nulls(n, pa.string())


def _optional(rng: np.random.Generator, share: float, values: pa.Array) -> pa.Array:
    """values where a draw falls under share, null elsewhere."""
    return pc.if_else(pa.array(rng.random(len(values)) < share), values, pa.scalar(None, pa.string()))


def _email(rng: np.random.Generator, family: pa.Array, given: pa.Array, domains: list[str]) -> pa.Array:
    n = len(family)
    number = pc.if_else(pa.array(rng.random(n) < 0.5), digits(rng.integers(1, 100, n), 2), "")
    style = rng.integers(0, 3, n)
    local = pc.if_else(pa.array(style == 0), concat(given, ".", family, number),
                       concat(family, given, digits(rng.integers(0, 10_000, n), 4)))
    if "qq.com" in domains:   # QQ mailboxes are often the numeric QQ account
        qq = pc.utf8_ltrim(digits(rng.integers(10_000, 3_000_000_000, n), 10), "0")
        local = pc.if_else(pa.array(style == 2), qq, local)
        domains_index = np.where(style == 2, domains.index("qq.com"), rng.integers(0, len(domains), n))
    else:
        domains_index = rng.integers(0, len(domains), n)
    return concat(local, "@", pick(domains, domains_index))


def _mainland(rng: np.random.Generator, birth: np.ndarray) -> dict[str, pa.Array]:
    n = len(birth)
    weights = np.array([c[5] for c in ref.CN_CITIES], dtype=np.float64)
    city = rng.choice(len(ref.CN_CITIES), n, p=weights / weights.sum())
    column = {name: [c[i] for c in ref.CN_CITIES] for i, name in enumerate(
        ["city", "district", "region", "code", "postal"])}
    day = birth.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    ymd = ((month.astype("datetime64[Y]").astype(np.int64) + 1970) * 10_000 + (month.astype(np.int64) % 12 + 1) * 100
           + (day - month.astype("datetime64[D]")).astype(np.int64) + 1)
    first17 = np.array(column["code"], dtype=np.int64)[city] * 10**11 + ymd * 1000 + rng.integers(1, 1000, n)
    name, family, given = chinese_names(rng, n)
    line2 = concat(digits(rng.integers(1, 31, n), 1), "栋", digits(rng.integers(1, 7, n), 1), "单元",
                   digits(rng.integers(1, 34, n), 1), digits(rng.integers(1, 5, n), 2), "室")
    return {
        "full_name": name,
        "national_id": concat(digits(first17, 17), pick(_ID_CHECK, resident_id_check(first17))),
        "phone": concat("+86", pick(ref.CN_MOBILE_PREFIXES, rng.integers(0, len(ref.CN_MOBILE_PREFIXES), n)),
                        digits(rng.integers(0, 10**8, n), 8)),
        "email": _email(rng, family, given, ref.CN_EMAIL_DOMAINS),
        "address_line1": concat(pick(column["district"], city),
                                pick(ref.CN_ROADS, rng.integers(0, len(ref.CN_ROADS), n)),
                                digits(rng.integers(1, 1000, n), 1), "号"),
        "address_line2": _optional(rng, 0.7, line2),
        "city": pick(column["city"], city),
        "region": pick(column["region"], city),
        "postal_code": concat(pick(column["postal"], city), digits(rng.integers(0, 100, n), 2)),
        "timezone": _optional(rng, 1 - BLANK_TIMEZONE_SHARE, constant("Asia/Shanghai", n)),
    }


_LINE2 = {   # second address line abroad: flat, floor and unit conventions differ by country
    "HK": lambda rng, n: concat("Flat ", pick(_LETTERS[:8], rng.integers(0, 8, n)), ", ",
                                digits(rng.integers(2, 40, n), 1), "/F"),
    "SG": lambda rng, n: concat("#", digits(rng.integers(2, 25, n), 2), "-", digits(rng.integers(1, 400, n), 3)),
    "GB": lambda rng, n: concat("Flat ", digits(rng.integers(1, 30, n), 1)),
    "US": lambda rng, n: concat("Apt ", digits(rng.integers(1, 40, n), 1), pick(_LETTERS[:6], rng.integers(0, 6, n))),
}


def _abroad(rng: np.random.Generator, spec: dict, n: int) -> dict[str, pa.Array]:
    chinese = rng.random(n) < CHINESE_NAME_SHARE[spec["country"]]
    cn_name, cn_family, cn_given = chinese_names(rng, n)
    en_name, en_family, en_given = _english_names(rng, n)
    mask = pa.array(chinese)
    family = pc.if_else(mask, cn_family, en_family)
    given = pc.if_else(mask, cn_given, en_given)
    prefixes, rest = spec["mobile"]
    permit = spec["country"] == "HK"   # HK residents identify with the Mainland Travel Permit (H + 8 digits)
    return {
        "full_name": pc.if_else(mask, cn_name, en_name),
        "national_id": concat("H" if permit else pick(_LETTERS, rng.integers(0, 26, n)),
                              digits(rng.integers(0, 10**8, n), 8)),
        "phone": concat("+", spec["calling"], pick(list(prefixes), rng.integers(0, len(prefixes), n)),
                        digits(rng.integers(0, 10**rest, n), rest)),
        "email": _email(rng, family, given, ref.EN_EMAIL_DOMAINS),
        "address_line1": concat(digits(rng.integers(1, 300, n), 1), " ",
                                pick(spec["streets"], rng.integers(0, len(spec["streets"]), n))),
        "address_line2": _optional(rng, 0.8, _LINE2[spec["country"]](rng, n)),
        "city": constant(spec["city"], n),
        "region": pick(spec["regions"], rng.integers(0, len(spec["regions"]), n)),
        "postal_code": _pattern(rng, spec["postal"], n),
        "timezone": _optional(rng, 0.9, constant(spec["timezone"], n)),
    }


def people(rng: np.random.Generator, first_day: np.ndarray) -> pa.Table:
    """Customer master columns (contract order, without customer_id) for customers whose first
    loan is disbursed on first_day; ages 20-65 then, most between 25 and 40."""
    n = len(first_day)
    foreign_weights = np.array([f["weight"] for f in ref.FOREIGN], dtype=np.float64)
    country = np.where(rng.random(n) < FOREIGN_SHARE,
                       1 + rng.choice(len(ref.FOREIGN), n, p=foreign_weights / foreign_weights.sum()), 0)
    age_days = (20 + 45 * rng.beta(2.0, 4.0, n)) * 365.25
    birth = (np.asarray(first_day) - age_days).astype(np.int64)
    groups, parts = [], []
    for code, name in enumerate(COUNTRIES):
        members = np.flatnonzero(country == code)
        groups.append(members)
        columns = _mainland(rng, birth[members]) if code == 0 else _abroad(rng, ref.FOREIGN[code - 1], len(members))
        columns["country"] = constant(name, len(members))
        english = rng.random(len(members)) < ENGLISH_SHARE[CN if code == 0 else "foreign"]
        columns["preferred_language"] = pick(["zh-CN", "en"], english.astype(np.int64))
        parts.append(columns)
    order = np.argsort(np.concatenate(groups), kind="stable")
    merged = {key: pa.concat_arrays([p[key] for p in parts]).take(pa.array(order)) for key in parts[0]}
    updated = np.asarray(first_day) - rng.integers(0, 31, n)
    return pa.table({
        "full_name": merged["full_name"], "national_id": merged["national_id"], "date_of_birth": dates(birth),
        "phone": merged["phone"], "email": merged["email"], "address_line1": merged["address_line1"],
        "address_line2": merged["address_line2"], "city": merged["city"], "region": merged["region"],
        "postal_code": merged["postal_code"], "country": merged["country"],
        "preferred_language": merged["preferred_language"], "timezone": merged["timezone"],
        "updated_at": timestamps(updated, rng.integers(8 * 3600, 22 * 3600, n)),
    })
