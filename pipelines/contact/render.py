"""Message texts from Jinja2 templates, in a sandbox.

Templates live in `pipelines/contact/templates/` (or the policy's `templates_dir`):

    sms/<template>.<language>.txt.j2
    email/<template>.<language>.subject.j2
    email/<template>.<language>.txt.j2
    email/<template>.<language>.html.j2

They are rendered by `jinja2.sandbox.ImmutableSandboxedEnvironment` (a template edited by operations cannot
reach Python internals), with autoescaping for `.html.j2` only, `StrictUndefined` (a misspelt
variable fails loudly instead of printing nothing) and no access to anything but the message's
context: the loan's figures and the lender's contact details and opt-out wording from the policy's
`lender:` section.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pipelines.lender import LenderIdentity

DEFAULT_TEMPLATES = Path(__file__).resolve().parent / "templates"

CURRENCY_LABELS = {
    "zh-CN": {"CNY": "元", "USD": "美元", "HKD": "港元", "EUR": "欧元", "GBP": "英镑"},
    "en": {},
}


def money(amount: Decimal | str | int | float) -> str:
    """1234.5 -> '1,234.50' (always two decimals, thousands separated)."""
    return f"{Decimal(str(amount)).quantize(Decimal('0.01')):,}"


def currency_label(currency: str, language: str) -> str:
    return CURRENCY_LABELS.get(language, {}).get(currency, f" {currency}" if language == "zh-CN" else currency)


def message_context(*, loan_id: str, customer_name: str | None, amount: Decimal | str, currency: str,
                    due_date: date | str, dpd: int, language: str, lender: LenderIdentity, country: str | None,
                    message_id: str) -> dict:
    """Everything a template may use. The loan is named by its last four characters in SMS
    (a short message may be read by someone else: no name, no full account number). The hotline is
    the one the lender gives for `country` (an SMS: the phone number's country), so a domestic short
    number never reaches a customer abroad; `opt_out` is the lender's wording for the language."""
    return {
        "loan_id": loan_id,
        "loan_ref": loan_id[-4:],
        "customer_name": customer_name or "",
        "amount": money(amount),
        "currency": currency,
        "currency_label": currency_label(currency, language),
        "due_date": str(due_date),
        "dpd": int(dpd),
        "lender_name": lender.name(language),
        "service_phone": lender.contacts(country).hotline,
        "payment_url": lender.payment_url,
        "opt_out": lender.opt_out_text("sms", language),
        "email_opt_out": lender.opt_out_text("email", language),
        "unsubscribe_link": lender.unsubscribe_link(message_id),
    }


class Renderer:
    def __init__(self, templates_dir: Path = DEFAULT_TEMPLATES):
        self.templates_dir = Path(templates_dir)

    @cached_property
    def env(self) -> ImmutableSandboxedEnvironment:
        return ImmutableSandboxedEnvironment(
            loader=FileSystemLoader(str(self.templates_dir)),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # one night renders each template thousands of times: no mtime checks
        )

    @staticmethod
    def sms_path(template: str, language: str) -> str:
        return f"sms/{template}.{language}.txt.j2"

    @staticmethod
    def email_paths(template: str, language: str) -> tuple[str, str, str]:
        return tuple(f"email/{template}.{language}.{part}.j2" for part in ("subject", "txt", "html"))

    def paths(self, channel: str, template: str, language: str) -> tuple[str, ...]:
        if channel == "sms":
            return (self.sms_path(template, language),)
        if channel == "email":
            return self.email_paths(template, language)
        return ()

    def missing(self, channel: str, template: str, language: str) -> list[str]:
        return [p for p in self.paths(channel, template, language) if not (self.templates_dir / p).is_file()]

    @cached_property
    def _templates(self) -> dict:
        return {}

    def _render(self, path: str, context: dict) -> str:
        template = self._templates.get(path)
        if template is None:
            template = self._templates[path] = self.env.get_template(path)
        return template.render(context).strip()

    def sms(self, template: str, language: str, context: dict) -> str:
        # one line: a template's line breaks are for its author, not for the handset
        return " ".join(self._render(self.sms_path(template, language), context).split("\n")).strip()

    def email(self, template: str, language: str, context: dict) -> tuple[str, str, str]:
        subject, text, html = (self._render(p, context) for p in self.email_paths(template, language))
        return " ".join(subject.split()), text + "\n", html + "\n"
