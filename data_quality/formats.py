"""Vectorised validity checks of customer fields, shared by the corrections, the GX expectations
and the history (last valid value). Every check takes a pandas Series and returns a boolean Series
aligned with it (null in, False out unless said otherwise).

Per-value libraries are slow (phonenumbers ~60 µs a number, python-stdnum's resident id ~40 µs),
so each check first decides what it can with one vectorised pass and asks the library only for
the distinct values that pass is not sure about:

- phones: a number already in E.164 whose national part matches the mobile or fixed-line pattern
  of phonenumbers' own metadata for its calling code is valid (that is the test
  `phonenumbers.is_valid_number` makes); only the rest, deduplicated, is parsed. Messy values are
  cleaned (NFKC, separators) first; those then valid need no parsing either.
- CN resident ids: format, ISO 7064 MOD 11-2 check character and birth date are computed on the
  whole column; python-stdnum's region table is looked up once per distinct region code. The
  result equals stdnum's check digit, birth date and region lookup applied one by one (tested).

Patterns use `[0-9]`, never `\\d`: `\\d` also matches full-width and other Unicode digits.
"""
from __future__ import annotations

import functools
import zoneinfo

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from stdnum import numdb

E164_SHAPE = r"\+[1-9][0-9]{6,14}"
EMAIL = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,63}"
BCP47 = r"[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?"
CN_RESIDENT_ID = r"[0-9]{17}[0-9X]"
# Identity documents of customers outside the mainland (passports, travel permits, HKID, NRIC):
# no public checksum in python-stdnum for the documents this lender records, so format only.
FOREIGN_ID = r"[A-Z][A-Z0-9]{5,11}"
POSTAL_CODES = {
    "CN": r"[0-9]{6}", "SG": r"[0-9]{6}", "US": r"[0-9]{5}(?:-[0-9]{4})?",
    "GB": r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}", "HK": r"",   # Hong Kong has no postal codes
}
COUNTRIES = frozenset(phonenumbers.SUPPORTED_REGIONS)
CURRENCIES = frozenset({"CNY", "HKD", "SGD", "GBP", "USD", "EUR", "JPY", "MOP", "TWD", "AUD", "CAD"})

# First two digits of a mainland postal code -> province (China Post's zoning).
CN_POSTAL_PROVINCES = {
    **dict.fromkeys(["01", "02"], "内蒙古自治区"), **dict.fromkeys(["03", "04"], "山西省"),
    **dict.fromkeys(["05", "06", "07"], "河北省"), "10": "北京市", **dict.fromkeys(["11", "12"], "辽宁省"),
    "13": "吉林省", **dict.fromkeys(["15", "16"], "黑龙江省"), "20": "上海市",
    **dict.fromkeys(["21", "22"], "江苏省"), **dict.fromkeys(["23", "24"], "安徽省"),
    **dict.fromkeys(["25", "26", "27"], "山东省"), "30": "天津市", **dict.fromkeys(["31", "32"], "浙江省"),
    **dict.fromkeys(["33", "34"], "江西省"), **dict.fromkeys(["35", "36"], "福建省"), "40": "重庆市",
    **dict.fromkeys(["41", "42"], "湖南省"), **dict.fromkeys(["43", "44"], "湖北省"),
    **dict.fromkeys(["45", "46", "47"], "河南省"), **dict.fromkeys(["51", "52"], "广东省"),
    **dict.fromkeys(["53", "54"], "广西壮族自治区"), **dict.fromkeys(["55", "56"], "贵州省"), "57": "海南省",
    **dict.fromkeys(["61", "62", "63", "64"], "四川省"), **dict.fromkeys(["65", "66", "67"], "云南省"),
    **dict.fromkeys(["71", "72"], "陕西省"), **dict.fromkeys(["73", "74"], "甘肃省"), "75": "宁夏回族自治区",
    "81": "青海省", **dict.fromkeys(["83", "84"], "新疆维吾尔自治区"), "85": "西藏自治区",
}
_PROVINCE_SUFFIX = r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$"


def _text(values: pd.Series) -> pd.Series:
    return values.astype("str") if values.dtype != "str" else values


def map_small(values: pd.Series, mapping) -> pd.Series:
    """values.map(mapping) for columns with few distinct values: each distinct value is looked up
    once (pandas' map over Arrow strings goes value by value)."""
    codes, uniques = pd.factorize(values)
    looked_up = np.array([mapping.get(u) if isinstance(mapping, dict) else mapping(u) for u in uniques] + [None],
                         dtype=object)
    return pd.Series(looked_up[codes], index=values.index)


def _match(values: pd.Series, pattern: str) -> pd.Series:
    """Full match; null -> False."""
    return _text(values).str.fullmatch(pattern).fillna(False).astype(bool)


# --- phones -------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _fast_phone_patterns(calling_code: int) -> tuple[str, str] | None:
    """(general, mobile-or-fixed-line) national-number patterns of the calling code's main region,
    anchored. A national number matching both is valid for phonenumbers (the test
    `phonenumbers.is_valid_number` makes for that region)."""
    region = phonenumbers.region_code_for_country_code(calling_code)
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    if meta is None or meta.general_desc is None or meta.general_desc.national_number_pattern is None:
        return None
    kinds = [d.national_number_pattern for d in (meta.mobile, meta.fixed_line)
             if d is not None and d.national_number_pattern]
    if not kinds:
        return None
    return f"^(?:{meta.general_desc.national_number_pattern})$", f"^(?:{'|'.join(kinds)})$"


def _slow_phone_valid(value: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(value, None))
    except phonenumbers.NumberParseException:
        return False


def phone_is_valid(values: pd.Series, calling_codes: tuple[int, ...] = (86, 852, 65, 44, 1)) -> pd.Series:
    """Valid phone number written in E.164 (`+8613800138000`), as phonenumbers judges it."""
    text = _text(values)
    shaped = _match(text, E164_SHAPE)
    valid = pd.Series(False, index=values.index)
    todo = shaped.copy()
    for code in calling_codes:
        patterns = _fast_phone_patterns(code)
        if patterns is None:
            continue
        candidates = todo & text.str.startswith(f"+{code}").fillna(False)
        if candidates.any():
            national = pa.array(text[candidates].array)
            national = pc.utf8_slice_codeunits(national, len(str(code)) + 1)
            fast = pc.and_(pc.match_substring_regex(national, patterns[0]),
                           pc.match_substring_regex(national, patterns[1]))
            hits = text[candidates].index[np.asarray(fast.to_numpy(zero_copy_only=False), dtype=bool)]
            valid[hits] = True
            todo[hits] = False
    if todo.any():
        valid[todo] = map_small(text[todo], _slow_phone_valid).astype(bool)
    return valid


def _parse_e164(value: str, region: str | None) -> str | None:
    """One messy phone to E.164, or None when it is not a valid number."""
    for candidate, default in ((value, region), ("+" + value.lstrip("+"), None)):
        try:
            number = phonenumbers.parse(candidate, default if default in COUNTRIES else None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def to_e164(values: pd.Series, regions: pd.Series) -> pd.Series:
    """Phones rewritten to E.164: width-normalised (NFKC), separators dropped, the country code
    added from `regions` (the customer's country) when missing. Values already valid are returned
    as they are without parsing; a value that is no valid number comes back unchanged."""
    text = _text(values)
    result = text.copy()
    todo = text.notna() & ~phone_is_valid(text)
    if not todo.any():
        return result
    pairs = pd.DataFrame({"value": text[todo], "region": _text(regions[todo]).fillna("")})
    pairs["clean"] = (pairs["value"].str.normalize("NFKC").str.replace(r"[\s\-().·/]", "", regex=True)
                      .str.replace(r"^00", "+", regex=True))
    # full-width digits and separators: once cleaned, most values are valid E.164 already
    clean_valid = phone_is_valid(pairs["clean"])
    parsed = {(c, r): c for c, r in pairs.loc[clean_valid, ["clean", "region"]].drop_duplicates()
              .itertuples(index=False, name=None)}
    distinct = pairs.loc[~clean_valid, ["clean", "region"]].drop_duplicates()
    parsed |= {(c, r): _parse_e164(c, r or None) for c, r in distinct.itertuples(index=False, name=None)
               if isinstance(c, str) and c}
    fixed = pd.Series([parsed.get((c, r)) for c, r in zip(pairs["clean"], pairs["region"])],
                      index=pairs.index, dtype="str")
    fixed = fixed.dropna()
    result[fixed.index] = fixed
    return result


# --- e-mail, language, time zone, country ---------------------------------------------------------

def email_is_valid(values: pd.Series) -> pd.Series:
    """A plausible mailbox in its normal form (lower case, no spaces)."""
    return _match(values, EMAIL)


def language_is_valid(values: pd.Series) -> pd.Series:
    return _match(values, BCP47)


@functools.lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_is_valid(values: pd.Series) -> pd.Series:
    return _text(values).isin(_zones()).astype(bool)


def country_is_valid(values: pd.Series) -> pd.Series:
    return _text(values).isin(COUNTRIES).astype(bool)


# --- national ids -------------------------------------------------------------------------------

_RIC_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_RIC_CHECK = np.array(list("10X98765432"))


@functools.lru_cache(maxsize=None)
def cn_region_code_known(prefix: str) -> bool:
    """The 6-digit administrative division code is in python-stdnum's table (cn/loc), at any time.

    stdnum.cn.ric.validate also requires the code to have existed in the birth year; that rejects
    ids legitimately issued after a re-districting (500103 Chongqing Yuzhong exists since 1997,
    so everyone registered there and born earlier would fail), so the period is not checked."""
    results = numdb.get("cn/loc").info(prefix)
    return any("county" in props for _, props in results)


def cn_resident_id_is_valid(values: pd.Series) -> pd.Series:
    """Mainland resident identity card number: 18 characters, check character
    (stdnum.cn.ric.calc_check_digit), a real birth date (stdnum.cn.ric.get_birth_date) and a
    region code known to python-stdnum. Computed on the whole column; stdnum's region table is
    consulted once per distinct code (equivalence with stdnum's functions is tested)."""
    text = _text(values)
    valid = _match(text, CN_RESIDENT_ID)
    if not valid.any():
        return valid
    ids = text[valid]
    # the first 17 characters (ASCII digits, checked above) of every id, as one contiguous buffer
    heads = pc.utf8_slice_codeunits(pa.array(ids.array), 0, 17)
    heads = heads.combine_chunks() if isinstance(heads, pa.ChunkedArray) else heads
    data = np.frombuffer(heads.buffers()[2], dtype=np.uint8)
    offsets = np.frombuffer(heads.buffers()[1], dtype=np.int64 if pa.types.is_large_string(heads.type) else np.int32)
    start = offsets[heads.offset]
    digits = data[start:start + 17 * len(heads)].reshape(-1, 17).astype(np.int64) - 48
    check = _RIC_CHECK[(digits @ _RIC_WEIGHTS) % 11]
    ok = check == ids.str.slice(17, 18).to_numpy(dtype=object).astype(str)
    birth = pd.to_datetime(ids.str.slice(6, 14), format="%Y%m%d", errors="coerce")
    ok &= birth.notna().to_numpy()
    prefixes = ids.str.slice(0, 6)
    ok &= map_small(prefixes, cn_region_code_known).fillna(False).to_numpy(dtype=bool)
    valid[ids.index] = ok
    return valid


def cn_resident_id_birth_date(values: pd.Series) -> pd.Series:
    """The birth date written in a mainland resident id (NaT when there is none)."""
    text = _text(values)
    return pd.to_datetime(text.where(_match(text, CN_RESIDENT_ID)).str.slice(6, 14), format="%Y%m%d", errors="coerce")


def national_id_is_valid(values: pd.Series, countries: pd.Series) -> pd.Series:
    """CN: resident id with checksum (python-stdnum rules); elsewhere: identity-document format."""
    text = _text(values)
    cn = _text(countries).eq("CN").fillna(False).astype(bool)
    valid = pd.Series(False, index=values.index)
    if cn.any():
        valid[cn] = cn_resident_id_is_valid(text[cn])
    if (~cn).any():
        valid[~cn] = _match(text[~cn], FOREIGN_ID)
    return valid


# --- postal codes and regions ----------------------------------------------------------------------

def postal_code_is_valid(values: pd.Series, countries: pd.Series) -> pd.Series:
    """Postal code in the country's format; blank is the only valid value where there are none (HK)."""
    text = _text(values)
    country = _text(countries)
    valid = pd.Series(True, index=values.index)
    for code, pattern in POSTAL_CODES.items():
        rows = country.eq(code).fillna(False).astype(bool)
        if rows.any():
            valid[rows] = text[rows].isna() if not pattern else _match(text[rows], pattern)
    return valid


def cn_postal_province(postal_codes: pd.Series) -> pd.Series:
    """Province a mainland postal code belongs to (null when the code is not 6 digits or unzoned)."""
    text = _text(postal_codes)
    return map_small(text.where(_match(text, r"[0-9]{6}")).str.slice(0, 2), CN_POSTAL_PROVINCES).astype("str")


def province_key(regions: pd.Series) -> pd.Series:
    """A province name without its administrative suffix (广东省 / 广东 -> 广东), for comparison."""
    return _text(regions).str.strip().str.replace(_PROVINCE_SUFFIX, "", regex=True)


def region_matches_postal_code(regions: pd.Series, postal_codes: pd.Series, countries: pd.Series) -> pd.Series:
    """CN: the first two digits of the postal code are the region's (province's) zone. Elsewhere
    and where either side is missing or the code is unzoned: True (other checks catch blanks)."""
    cn = _text(countries).eq("CN").fillna(False).astype(bool)
    postal = cn_postal_province(postal_codes)
    both = cn & postal.notna() & _text(regions).notna()
    result = pd.Series(True, index=regions.index)
    result[both] = province_key(regions[both]).eq(province_key(postal[both])).fillna(False).astype(bool)
    return result
