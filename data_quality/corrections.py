"""Named correction rules for the customer master. Each rule rewrites whole columns at once and
every value it changes is written to `quality.corrections` (record, field, before, after, rule),
so any corrected value can be traced back to what the lender delivered.

Rules run in the order of RULES. A rule only makes a value *canonical* (same meaning, standard
form) or fills it from a value that determines it; it never guesses. What no rule can repair is
left to validation (GX), which falls back to the last valid value or marks the field invalid
(see data_quality.history).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_quality import formats

CORRECTION_COLUMNS = ["record_id", "field", "before", "after", "rule"]


@dataclass(frozen=True)
class Rule:
    name: str
    fields: tuple[str, ...]
    description: str
    apply: Callable[[pd.DataFrame], dict[str, pd.Series]]


def _arrow(values: pd.Series) -> pa.Array:
    """The column as an Arrow string array (zero-copy for pandas' Arrow-backed strings)."""
    return pa.array(formats._text(values).array)


def _series(array: pa.Array, index: pd.Index) -> pd.Series:
    """Back to a pandas string column; blank becomes null."""
    blank = pc.equal(pc.utf8_length(array), 0)
    return pd.Series(pc.if_else(blank, pa.scalar(None, array.type), array), dtype="str", index=index)


def normalise_text(values: pd.Series) -> pd.Series:
    """NFKC (full-width letters, digits and spaces to their usual form), runs of white space to
    one space, none at the ends, none between two Chinese characters; blank becomes null.
    Arrow compute kernels (RE2): pandas' own str.replace falls back to Python for these."""
    text = pc.utf8_normalize(_arrow(values), "NFKC")
    text = pc.utf8_trim_whitespace(_replace_where(text, r"\s\s|[^ \S]", r"\s+", " "))
    for _ in range(2):   # "张 伟 明": each pass joins non-overlapping pairs
        text = _replace_where(text, r"\p{Han} \p{Han}", r"(\p{Han}) (\p{Han})", r"\1\2")
    return _series(text, values.index)


def _replace_where(array: pa.Array, find: str, pattern: str, replacement: str) -> pa.Array:
    """replace_substring_regex on the values where `find` matches only (matching is cheaper than
    rewriting, and most values need nothing)."""
    mask = pc.fill_null(pc.match_substring_regex(array, find), False)
    if not pc.any(mask).as_py():
        return array
    fixed = pc.replace_substring_regex(pc.filter(array, mask), pattern, replacement)
    return pc.replace_with_mask(array, mask, fixed)


def _width_whitespace(frame: pd.DataFrame) -> dict[str, pd.Series]:
    return {c: normalise_text(frame[c]) for c in ("full_name", "address_line1", "address_line2", "city", "region")}


def _phone(frame: pd.DataFrame) -> dict[str, pd.Series]:
    return {"phone": formats.to_e164(frame["phone"], frame["country"])}


def normalise_email(values: pd.Series) -> pd.Series:
    text = pc.utf8_normalize(_arrow(values), "NFKC")
    return _series(pc.utf8_lower(pc.replace_substring_regex(text, r"\s+", "")), values.index)


def _email(frame: pd.DataFrame) -> dict[str, pd.Series]:
    return {"email": normalise_email(frame["email"])}


def _national_id(frame: pd.DataFrame) -> dict[str, pd.Series]:
    text = pc.utf8_normalize(_arrow(frame["national_id"]), "NFKC")
    return {"national_id": _series(pc.utf8_upper(pc.replace_substring_regex(text, r"[\s\-]", "")), frame.index)}


def _country(frame: pd.DataFrame) -> dict[str, pd.Series]:
    text = pc.utf8_upper(pc.utf8_trim_whitespace(pc.utf8_normalize(_arrow(frame["country"]), "NFKC")))
    return {"country": _series(text, frame.index)}


def _postal_code(frame: pd.DataFrame) -> dict[str, pd.Series]:
    text = pc.utf8_upper(pc.utf8_trim_whitespace(pc.utf8_normalize(_arrow(frame["postal_code"]), "NFKC")))
    country = _arrow(frame["country"])
    compact = pc.replace_substring_regex(text, r"[\s\-]", "")
    numeric = pc.fill_null(pc.is_in(country, pa.array(["CN", "SG"])), False)
    text = pc.if_else(numeric, compact, text)
    gb = pc.fill_null(pc.equal(country, "GB"), False)
    text = pc.if_else(gb, pc.replace_substring_regex(compact, r"^(.+)([0-9][A-Z]{2})$", r"\1 \2"), text)
    return {"postal_code": _series(text, frame.index)}


def _canonical_tag(tag: str) -> str | None:
    parts = [p for p in tag.strip().replace("_", "-").split("-")]
    if not parts or not parts[0]:
        return None
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper() if len(part) in (2, 3) else part.lower())
    return "-".join(out)


def _language(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """zh_cn / ZH-cn / zh-Hans-cn -> zh-CN, zh-Hans-CN: BCP 47 case conventions, '-' separator.
    A handful of distinct values per book: each is rewritten once."""
    values = formats._text(frame["preferred_language"]).str.normalize("NFKC")
    lookup = {v: _canonical_tag(v) for v in values.dropna().unique()}
    return {"preferred_language": values.map(lookup).astype("str")}


def _region_from_postal(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """CN only: a blank region is the province of a valid postal code. A region that disagrees
    with the postal code is NOT changed here: which of the two is wrong cannot be told from the
    record alone; validation flags it and the last consistent pair is used (history)."""
    region = formats._text(frame["region"])
    province = formats.cn_postal_province(frame["postal_code"])
    fill = formats._text(frame["country"]).eq("CN").fillna(False).astype(bool) & region.isna() & province.notna()
    return {"region": region.where(~fill, province)}


RULES: tuple[Rule, ...] = (
    # the country first: the phone and postal-code rules read it
    Rule("country_code_normalise", ("country",), "country code NFKC, trimmed, upper-case", _country),
    Rule("width_whitespace", ("full_name", "address_line1", "address_line2", "city", "region"),
         "NFKC width normalisation; white space collapsed, trimmed, removed between Chinese characters",
         _width_whitespace),
    Rule("phone_e164", ("phone",),
         "phone to E.164 with phonenumbers: full-width digits, spaces, dashes, 00 prefix, missing "
         "country code (default region = the customer's country)", _phone),
    Rule("email_normalise", ("email",), "e-mail NFKC, white space removed, lower-cased", _email),
    Rule("national_id_normalise", ("national_id",), "national id NFKC, spaces and dashes removed, upper-case",
         _national_id),
    Rule("postal_code_normalise", ("postal_code",),
         "postal code NFKC, upper-case; CN/SG digits only; GB outward and inward code split by one space",
         _postal_code),
    Rule("language_tag_normalise", ("preferred_language",), "BCP 47 case conventions (zh-CN, zh-Hans-CN)",
         _language),
    Rule("region_from_postal_code", ("region",), "CN: blank region filled with the postal code's province",
         _region_from_postal),
)


def _differs(before: pd.Series, after: pd.Series) -> pd.Series:
    """Rows whose value changed (null-safe), compared as Arrow strings."""
    b, a = _arrow(before), _arrow(after)
    same = pc.or_(pc.fill_null(pc.equal(b, a), False), pc.and_(pc.is_null(b), pc.is_null(a)))
    return pd.Series(np.asarray(pc.invert(same).to_numpy(zero_copy_only=False), dtype=bool), index=before.index)


def correct_customers(frame: pd.DataFrame, rules: tuple[Rule, ...] = RULES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply every rule; return the corrected frame and one audit row per changed value
    (`record_id` = customer_id). The input frame is not modified."""
    corrected = frame.copy()
    audit = []
    for rule in rules:
        for field, after in rule.apply(corrected).items():
            before = corrected[field]
            changed = _differs(before, after)
            if changed.any():
                audit.append(pd.DataFrame({
                    "record_id": corrected.loc[changed, "customer_id"].astype("str"),
                    "field": field,
                    "before": before[changed].astype("str"),
                    "after": after[changed].astype("str"),
                    "rule": rule.name,
                }))
                corrected[field] = after.astype("str")
    corrections = pd.concat(audit, ignore_index=True) if audit else pd.DataFrame(columns=CORRECTION_COLUMNS)
    return corrected, corrections
