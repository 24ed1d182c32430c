"""SMS segment arithmetic (3GPP TS 23.038 / 23.040), so a message never silently splits.

A text that fits the GSM 7-bit default alphabet is sent GSM-7: 160 septets in one segment, 153 per
segment when concatenated; the extension-table characters (^ { } \\ [ ~ ] | and the euro sign) take
two septets each. Any other character (Chinese, most accented letters, emoji) makes the whole message
UCS-2: 70 UTF-16 code units in one segment, 67 per segment when concatenated; a character outside the
Basic Multilingual Plane (most emoji) takes two code units.
"""
from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True)
class Segments:
    encoding: str   # "GSM-7" or "UCS-2"
    units: int      # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int      # segments needed


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def segments(text: str) -> Segments:
    """How many SMS segments `text` needs, and in which encoding."""
    if is_gsm7(text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, multi, encoding = GSM7_SINGLE, GSM7_MULTI, "GSM-7"
    else:
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, multi, encoding = UCS2_SINGLE, UCS2_MULTI, "UCS-2"
    if units <= single:
        count = 1 if units else 0
    else:
        count = -(-units // multi)
    return Segments(encoding, units, count)
