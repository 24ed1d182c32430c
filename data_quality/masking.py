"""Masking of personal data wherever a value leaves the warehouse for people to read: samples of
unexpected values in `quality.validation_results`, the GX Data Docs and the steward report.

A masked value keeps just enough to recognise the kind of problem (a missing country code, a
full-width digit, an upper-case domain) and never enough to identify the person:

    phone        +8613800138000 -> +*********8000      138-0013-8000 -> ***-****-8000
    email        zhang.wei@example.com -> z***@example.com
    national id  11010519491231002X -> **************002X

Phones and national ids show at most their last 4 digits (separators, a leading + and the length
stay, so a missing country code or a stray dash is still visible).
    name         张伟 -> 张*      Richard Adams -> R****** A****
    address      朝阳区建国路88号 -> 朝阳区*******
    date         1949-12-31 -> 1949-**-**
    postal code  100022 -> 100***
"""
from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any

# Columns holding personal data, per landing file, and how each is masked.
PII_COLUMNS: dict[str, dict[str, str]] = {
    "customers": {
        "full_name": "name", "national_id": "national_id", "date_of_birth": "date", "phone": "phone",
        "email": "email", "address_line1": "address", "address_line2": "address", "postal_code": "postal",
    },
    "agents": {"full_name": "name"},
    "flags": {"note": "text"},
}

SAMPLE_SIZE = 20     # unexpected values kept (masked) per expectation in results and Data Docs
KEEP = ("element_count", "unexpected_count", "unexpected_percent", "missing_count", "missing_percent",
        "unexpected_percent_total", "unexpected_percent_nonmissing", "observed_value", "details",
        "unexpected_index_column_names")

_SEPARATOR = re.compile(r"(\s+)")


def _keep_ends(text: str, head: int, tail: int) -> str:
    if len(text) <= head + tail:
        keep = max(1, len(text) // 3)
        return text[:keep] + "*" * (len(text) - keep)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail:]


SHOWN_DIGITS = 4  # at most this many trailing digits of a phone or national id are shown


def mask_phone(value: str) -> str:
    digits = sum(ch.isdigit() for ch in value)
    if digits < 7:
        return "".join("*" if not ch.isspace() else ch for ch in value)
    hide = digits - SHOWN_DIGITS
    out = []
    for ch in value:
        if ch.isdigit() and hide > 0:
            out.append("*")
            hide -= 1
        else:
            out.append(ch)
    return "".join(out)


def mask_email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at:
        return _keep_ends(value, 1, 0)
    return (local[:1] + "***") + "@" + domain


def mask_national_id(value: str) -> str:
    if len(value) < 2 * SHOWN_DIGITS:
        return "*" * len(value)
    return "*" * (len(value) - SHOWN_DIGITS) + value[-SHOWN_DIGITS:]


def mask_name(value: str) -> str:
    return "".join(part if _SEPARATOR.fullmatch(part) else part[:1] + "*" * (len(part) - 1)
                   for part in _SEPARATOR.split(value) if part)


def mask_address(value: str) -> str:
    return _keep_ends(value, 3, 0)


def mask_date(value: str) -> str:
    return value[:4] + "-**-**" if len(value) >= 10 else "*" * len(value)


def mask_postal(value: str) -> str:
    return _keep_ends(value, 3, 0)


def mask_text(value: str) -> str:
    return f"<{len(value)} characters>"


MASKS = {"phone": mask_phone, "email": mask_email, "national_id": mask_national_id, "name": mask_name,
         "address": mask_address, "date": mask_date, "postal": mask_postal, "text": mask_text}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def mask(kind: str | None, value: Any) -> Any:
    """`value` masked as `kind` (None kind: returned as it is, made JSON-friendly)."""
    if _blank(value):
        return None
    if kind is None:
        return value if isinstance(value, (bool, int, float, str)) else str(value)
    return MASKS[kind](str(value))


def column_kind(file: str, column: str | None) -> str | None:
    return PII_COLUMNS.get(file, {}).get(column or "")


# --- GX results ---------------------------------------------------------------------------------

def _columns_of(config) -> list[str]:
    kwargs = config.kwargs
    if kwargs.get("column"):
        return [kwargs["column"]]
    if kwargs.get("column_list"):
        return list(kwargs["column_list"])
    return [c for c in (kwargs.get("column_A"), kwargs.get("column_B")) if c]


def _mask_value(file: str, columns: list[str], value: Any) -> Any:
    if isinstance(value, dict):
        return {k: mask(column_kind(file, k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and len(columns) > 1:
        return [mask(column_kind(file, c), v) for c, v in zip(columns, value)]
    return mask(column_kind(file, columns[0] if columns else None), value)


def mask_result(asset: str, config, result: dict) -> dict:
    """A copy of a GX result dict with personal data masked and the full lists dropped."""
    file = asset if asset in PII_COLUMNS else ""
    columns = _columns_of(config)
    masked = {k: v for k, v in result.items() if k in KEEP}
    if "partial_unexpected_list" in result:
        masked["partial_unexpected_list"] = [_mask_value(file, columns, v)
                                             for v in result["partial_unexpected_list"][:SAMPLE_SIZE]]
    if "partial_unexpected_counts" in result:
        masked["partial_unexpected_counts"] = [{"value": _mask_value(file, columns, c["value"]), "count": c["count"]}
                                               for c in result["partial_unexpected_counts"][:SAMPLE_SIZE]]
    if "partial_unexpected_index_list" in result:
        masked["partial_unexpected_index_list"] = [_mask_value(file, columns, v)
                                                   for v in result["partial_unexpected_index_list"][:SAMPLE_SIZE]]
    return json.loads(json.dumps(masked, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)
