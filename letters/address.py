"""Recipient blocks in the destination country's postal format (`templates/postal.yaml`).

The format follows where the letter goes, not the language it is written in: a Chinese-language
letter to New York prints `NEW YORK NY 10001`-style lines and the country line, an English letter
to Shanghai prints the Chinese order when the address is written in Chinese. A blank field prints
nothing (Hong Kong has no postcodes: whether one is required is the recipient's `postcode_required`,
set by the contact policy). Cross-border mail (destination other than the sender's country) ends
with the destination country in capitals.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from letters.model import Recipient

FIELD = re.compile(r"\{([a-z_|]+)\}")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
DANGLING = re.compile(r"^[\s,]+|[\s,]+$")


@dataclass(frozen=True)
class PostalFormat:
    lines: tuple[str, ...]
    script: str = ""                # "cjk": only for addresses written in CJK characters
    latin: "PostalFormat | None" = None


def _format(spec: dict) -> PostalFormat:
    latin = _format(spec["latin"]) if spec.get("latin") else None
    return PostalFormat(lines=tuple(spec["lines"]), script=spec.get("script", ""), latin=latin)


class PostalFormats:
    def __init__(self, config: dict):
        self.formats = {code: _format(spec) for code, spec in config["formats"].items()}
        self.country_names = dict(config.get("country_names") or {})

    @classmethod
    def load(cls, directory: Path) -> "PostalFormats":
        return cls(yaml.safe_load((Path(directory) / "postal.yaml").read_text(encoding="utf-8")))

    def format_for(self, recipient: Recipient) -> PostalFormat:
        fmt = self.formats.get(recipient.country) or self.formats["default"]
        if fmt.script == "cjk" and not CJK.search(" ".join((recipient.name, recipient.city, recipient.region,
                                                            *recipient.address_lines))):
            fmt = fmt.latin or self.formats["default"]
        return fmt

    def country_name(self, code: str) -> str:
        name = self.country_names.get(code)
        if name:
            return name
        try:
            from babel import Locale

            return Locale("en").territories[code].upper()
        except (ImportError, KeyError):
            return code

    def block(self, recipient: Recipient, sender_country: str) -> list[str]:
        """The recipient block as printed: the destination's format, then the country line on
        cross-border mail."""
        fields = {"name": recipient.name, "city": recipient.city, "region": recipient.region,
                  "postcode": recipient.postal_code}
        if fields["region"] == fields["city"]:
            fields["region"] = ""
        out: list[str] = []
        for pattern in self.format_for(recipient).lines:
            if pattern == "{street}":
                out += list(recipient.address_lines)
                continue
            names = FIELD.findall(pattern)

            def value(match: re.Match) -> str:
                return next((fields.get(n, "") for n in match.group(1).split("|") if fields.get(n, "")), "")

            if names and not any(value(m) for m in FIELD.finditer(pattern)):
                continue
            line = DANGLING.sub("", " ".join(FIELD.sub(value, pattern).split()))
            if line:
                out.append(line)
        if recipient.country and recipient.country != sender_country:
            out.append(self.country_name(recipient.country))
        return out


@lru_cache(maxsize=8)
def postal_formats(directory: str) -> PostalFormats:
    return PostalFormats.load(Path(directory))
