"""Jinja2 side of letters: a sandboxed environment, the formatting filters and the template lookup.

Templates (`letters/templates/<language>/<template>.j2`) hold every word of a letter and produce
the small line-based markup that `letters.markup` parses (see docs/letters.md). Values inserted
with `{{ ... }}` are escaped on the way out (`finalize`) so that data — a name starting with `#`,
an address with a `|` or a line break — can never turn into markup.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml
from jinja2 import FileSystemLoader, StrictUndefined, pass_context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from letters.address import postal_formats
from letters.model import ArrearsItem, Letter, PaymentInstructions, Recipient, Sender, ValidationDetails

_PLAIN_TYPES = frozenset({Letter, Recipient, ArrearsItem, PaymentInstructions, ValidationDetails, Sender})

TEMPLATE_DIR = Path(__file__).with_name("templates")

_MARKERS = ("@", "#", "-", "\\")


def escape_value(value: object) -> str:
    """`finalize` hook: make an inserted value plain text in the markup."""
    if value is None:
        return ""
    s = value if isinstance(value, str) else str(value)
    if "\\" in s:
        s = s.replace("\\", "\\\\")
    if "|" in s:
        s = s.replace("|", "\\|")
    if "\n" in s or "\r" in s or "\t" in s:
        s = " ".join(s.split())
    if s[:1] in _MARKERS and not s.startswith("\\\\"):
        s = "\\" + s
    return s


class Locale:
    """Dates and money per language, from `templates/locale.yaml`."""

    def __init__(self, config: dict, language: str):
        self.language = language
        self.cfg = config[language]
        self.minor_units = config.get("minor_units", {})
        self._quanta: dict[str, Decimal] = {}

    def quantize(self, value: Decimal, currency: str) -> Decimal:
        q = self._quanta.get(currency)
        if q is None:
            places = int(self.minor_units.get(currency, 2))
            q = self._quanta[currency] = Decimal(1).scaleb(-places)
        return Decimal(value).quantize(q, rounding=ROUND_HALF_UP)

    def amount(self, value: Decimal, currency: str) -> str:
        """`1,234.50`; negative amounts keep their minus sign."""
        return f"{self.quantize(value, currency):,}"

    def money(self, value: Decimal, currency: str) -> str:
        """`¥1,234.50` (zh-CN) / `CNY 1,234.50` (en), as locale.yaml says."""
        v = self.quantize(value, currency)
        symbol = self.cfg.get("symbols", {}).get(currency) or f"{currency} "
        return self.cfg["money"].format(sign="-" if v < 0 else "", symbol=symbol, code=currency,
                                        amount=f"{abs(v):,}")

    def date(self, value: date, style: str = "long") -> str:
        fmt = self.cfg["date_" + style]
        names = self.cfg.get("month_names")
        return fmt.format(year=value.year, month=value.month, day=value.day,
                          month_name=names[value.month - 1] if names else value.month)

    def country(self, code: str) -> str:
        return self.cfg.get("countries", {}).get(code, code)


def load_yaml(directory: Path, name: str) -> dict:
    return yaml.safe_load((directory / name).read_text(encoding="utf-8"))


class LetterSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with a shortcut for the letter's own data classes: their public attributes are
    plain values (or properties computing them), so the generic safety checks, which cost more
    than the rest of the rendering, are skipped for them. Everything else goes through the sandbox."""

    def getattr(self, obj, attribute):
        if type(obj) in _PLAIN_TYPES and isinstance(attribute, str) and not attribute.startswith("_"):
            try:
                return getattr(obj, attribute)
            except AttributeError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


class Templates:
    """Compiled templates of one template folder, each compiled once per process."""

    def __init__(self, directory: Path | str | None = None):
        self.directory = Path(directory) if directory else TEMPLATE_DIR
        self.env = LetterSandbox(
            loader=FileSystemLoader(str(self.directory)),
            undefined=StrictUndefined,
            autoescape=False,
            finalize=escape_value,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,
        )
        self.env.filters.update(money=_money, amount=_amount, date=_date, country=_country, add_days=_add_days)
        locale_cfg = load_yaml(self.directory, "locale.yaml")
        self.postal = postal_formats(str(self.directory))
        self.locales = {lang: Locale(locale_cfg, lang) for lang in locale_cfg if lang != "minor_units"}
        self._compiled: dict[tuple[str, str], object] = {}

    def template(self, template: str, language: str):
        key = (template, language)
        t = self._compiled.get(key)
        if t is None:
            t = self._compiled[key] = self.env.get_template(f"{language}/{template}.j2")
        return t

    def render(self, letter, recipient) -> str:
        """The letter's markup. `sender` is the letter's own (the policy's lender identity);
        `address` the recipient block in the destination country's postal format."""
        t = self.template(letter.template, letter.language)
        return t.render(letter=letter, to=recipient, sender=letter.sender, locale=self.locales[letter.language],
                        address=self.postal.block(recipient, letter.sender.country))


@pass_context
def _money(ctx, value, currency: str | None = None) -> str:
    return ctx["locale"].money(value, currency or ctx["letter"].currency)


@pass_context
def _amount(ctx, value, currency: str | None = None) -> str:
    return ctx["locale"].amount(value, currency or ctx["letter"].currency)


@pass_context
def _date(ctx, value, style: str = "long") -> str:
    return ctx["locale"].date(value, style)


@pass_context
def _country(ctx, code: str) -> str:
    return ctx["locale"].country(code)


def _add_days(value: date, days: int) -> date:
    """`{{ letter.mailed_on|add_days(14) }}`: a deadline counted from the mailing date."""
    return value + timedelta(days=int(days))
