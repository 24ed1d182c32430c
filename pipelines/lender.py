"""The lender's identity: one `lender:` section of the policy, read by SMS, e-mail and letters alike.

Who the lender is (legal and short name per language, address, licence line), how a customer
reaches it (hotline and sender ids per destination country and channel) and how a customer pays
(payment details per currency and language) live here and nowhere else. A problem is one line
naming the file and the key, e.g.

    policy/default.yaml: lender.contacts.default.hotline: '95000' is a domestic number: the default
    goes to every country, give it in international form (+...)

Rules the validator enforces, so that no output can break them:

- `contacts.default` applies to every country without its own entry and must therefore be
  reachable from anywhere: its hotline starts with `+`. A country entry may give a domestic number
  (a short number like 95000): it is only used for that country. For an SMS the country is the
  phone number's (`+1...` is US whatever the address says), for an e-mail the customer's and for a
  letter the destination's.
- every currency under `payment` has details in every language of `name`: an English letter never
  falls back to the Chinese bank details, a USD loan never shows a CNY account.
- `opt_out` has the SMS and e-mail wording in every language; the contact policy checks every
  template prints it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pipelines.policy import PolicyChecker

COUNTRY = re.compile(r"^[A-Z]{2}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
INTERNATIONAL = re.compile(r"^\+[1-9][0-9 ()-]{5,20}$")
PHONE = re.compile(r"^[+0-9][0-9 ()-]{2,20}$")
EMAIL = re.compile(r"^(?:[^<>@\s][^<>@]*<)?[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>?$")

TEXT_PER_LANGUAGE = ("name", "legal_name", "return_address", "department", "licence")
CONTACT_KEYS = ("hotline", "sms_sender", "email_from", "reply_to")
PAYMENT_KEYS = ("bank_name", "account_name", "account_number", "swift")
KEYS = ("country", "name", "legal_name", "address", "return_address", "department", "licence", "web",
        "payment_url", "contacts", "payment", "opt_out", "unsubscribe")


@dataclass(frozen=True)
class Contacts:
    """How a customer in one country reaches the lender, per channel."""

    hotline: str
    sms_sender: str
    email_from: str
    reply_to: str


@dataclass(frozen=True)
class PaymentDetails:
    bank_name: str
    account_name: str
    account_number: str
    swift: str = ""


@dataclass(frozen=True)
class LenderIdentity:
    country: str                                   # ISO code the lender mails from
    names: dict[str, str]                          # language -> short name (messages)
    legal_names: dict[str, str]                    # language -> legal name (letters)
    address: dict[str, tuple[str, ...]]            # language -> letterhead address lines
    return_address: dict[str, str]
    department: dict[str, str]
    licence: dict[str, str]
    web: str
    payment_url: str
    contacts_by_country: dict[str, Contacts]       # "default" and ISO codes
    payments: dict[str, dict[str, PaymentDetails]]  # currency -> language -> details
    opt_out: dict[str, dict[str, str]]             # channel (sms, email) -> language -> wording
    unsubscribe_mailto: str
    unsubscribe_url: str                           # may contain {message_id}

    def name(self, language: str) -> str:
        return self.names.get(language) or next(iter(self.names.values()))

    def legal_name(self, language: str) -> str:
        return self.legal_names.get(language) or next(iter(self.legal_names.values()))

    def contacts(self, country: str | None) -> Contacts:
        """The hotline and sender ids for a customer in `country` (ISO code; unknown: the default)."""
        return self.contacts_by_country.get((country or "").upper(), self.contacts_by_country["default"])

    def payment(self, currency: str, language: str) -> PaymentDetails | None:
        """The account for `currency` described in `language`; None when the lender has none for it."""
        return self.payments.get((currency or "").upper(), {}).get(language)

    def opt_out_text(self, channel: str, language: str) -> str:
        texts = self.opt_out[channel]
        return texts.get(language) or next(iter(texts.values()))

    def list_unsubscribe(self, message_id: str) -> str:
        """The List-Unsubscribe header value (RFC 2369): mailto and https, one-click per RFC 8058."""
        parts = []
        if self.unsubscribe_mailto:
            parts.append(f"<mailto:{self.unsubscribe_mailto}?subject={quote('unsubscribe ' + message_id)}>")
        if self.unsubscribe_url:
            parts.append(f"<{self.unsubscribe_url.replace('{message_id}', quote(message_id))}>")
        return ", ".join(parts)

    def unsubscribe_link(self, message_id: str) -> str:
        if self.unsubscribe_url:
            return self.unsubscribe_url.replace("{message_id}", quote(message_id))
        return f"mailto:{self.unsubscribe_mailto}?subject={quote('unsubscribe ' + message_id)}"

    def letter_sender(self, language: str, destination: str | None) -> dict:
        """What a letter prints as its sender, in `language`, for a recipient in `destination`."""
        return {"name": self.legal_name(language), "country": self.country,
                "address": self.address.get(language) or next(iter(self.address.values())),
                "phone": self.contacts(destination).hotline, "web": self.web,
                "return_address": self.return_address.get(language) or next(iter(self.return_address.values())),
                "department": self.department.get(language) or next(iter(self.department.values())),
                "licence": self.licence.get(language) or next(iter(self.licence.values()))}


class _Check(PolicyChecker):
    """The policy file's checks, with numbers accepted as text (YAML reads 95000 as a number)."""

    def text(self, value: Any, key: str, pattern: re.Pattern | None = None, what: str = "") -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        return super().text(value, key, pattern, what).strip()

    def open_mapping(self, value: Any, key: str, required: tuple[str, ...] = ()) -> dict:
        """A mapping whose keys are data (countries, currencies, languages)."""
        return self.mapping(value, key, tuple(value) if isinstance(value, dict) else (), required)

    def per_language(self, value: Any, key: str, languages: tuple[str, ...]) -> dict[str, str]:
        section = self.mapping(value, key, languages, languages)
        return {lang: self.text(section[lang], f"{key}.{lang}") for lang in languages}


def validate(section: Any, path: str | Path = "policy") -> LenderIdentity:
    """Validate the policy's `lender:` section (None: the packaged policy's lender)."""
    check = _Check(Path(path))
    if section is None:
        return packaged_lender()
    check.mapping(section, "lender", KEYS, KEYS)
    names = check.open_mapping(section["name"], "lender.name")
    if not names:
        raise check.fail("lender.name", "must name the lender in at least one language")
    languages = tuple(check.text(lang, f"lender.name.{lang}", LANGUAGE, "a BCP 47 language tag") for lang in names)
    texts = {k: check.per_language(section[k], f"lender.{k}", languages) for k in TEXT_PER_LANGUAGE}
    address_raw = check.mapping(section["address"], "lender.address", languages, languages)
    address = {}
    for lang in languages:
        lines = address_raw[lang]
        if not isinstance(lines, list) or not lines:
            raise check.fail(f"lender.address.{lang}", "must be a non-empty list of lines")
        address[lang] = tuple(check.text(x, f"lender.address.{lang}[{i}]") for i, x in enumerate(lines))

    contacts_raw = check.open_mapping(section["contacts"], "lender.contacts", ("default",))
    default_raw = check.mapping(contacts_raw["default"], "lender.contacts.default", CONTACT_KEYS, CONTACT_KEYS)
    contacts: dict[str, Contacts] = {}
    for country, entry in sorted(contacts_raw.items(), key=lambda item: item[0] != "default"):
        key = f"lender.contacts.{country}"
        if country != "default":
            check.text(country, key, COUNTRY, "an ISO 3166-1 alpha-2 code (or default)")
        entry = check.mapping(entry, key, CONTACT_KEYS)
        merged = {**default_raw, **entry}
        hotline = check.text(merged["hotline"], f"{key}.hotline", PHONE, "a phone number")
        if country == "default" and not INTERNATIONAL.match(hotline):
            raise check.fail(f"{key}.hotline", f"{hotline!r} is a domestic number: the default goes to every "
                                               "country, give it in international form (+...)")
        contacts[country] = Contacts(
            hotline=hotline,
            sms_sender=check.text(merged["sms_sender"], f"{key}.sms_sender"),
            email_from=check.text(merged["email_from"], f"{key}.email_from", EMAIL, "an e-mail address"),
            reply_to=check.text(merged["reply_to"], f"{key}.reply_to", EMAIL, "an e-mail address"))

    payments_raw = check.open_mapping(section["payment"], "lender.payment")
    if not payments_raw:
        raise check.fail("lender.payment", "must give the payment details of at least one currency")
    payments: dict[str, dict[str, PaymentDetails]] = {}
    for currency, per_language in payments_raw.items():
        key = f"lender.payment.{currency}"
        check.text(currency, key, CURRENCY, "an ISO 4217 currency code")
        per_language = check.mapping(per_language, key, languages, languages)
        payments[currency] = {}
        for lang in languages:
            where = f"{key}.{lang}"
            d = check.mapping(per_language[lang], where, PAYMENT_KEYS, PAYMENT_KEYS[:3])
            payments[currency][lang] = PaymentDetails(
                *(check.text(d[k], f"{where}.{k}") for k in PAYMENT_KEYS[:3]),
                swift=check.text(d["swift"], f"{where}.swift") if "swift" in d else "")

    opt_raw = check.mapping(section["opt_out"], "lender.opt_out", ("sms", "email"), ("sms", "email"))
    opt_out = {channel: check.per_language(opt_raw[channel], f"lender.opt_out.{channel}", languages)
               for channel in ("sms", "email")}
    unsub = check.mapping(section["unsubscribe"], "lender.unsubscribe", ("mailto", "url"))
    mailto = check.text(unsub["mailto"], "lender.unsubscribe.mailto", EMAIL, "an e-mail address") \
        if unsub.get("mailto") else ""
    url = check.text(unsub["url"], "lender.unsubscribe.url", re.compile(r"^https://\S+$"), "an https URL") \
        if unsub.get("url") else ""
    if not (mailto or url):
        raise check.fail("lender.unsubscribe", "give a mailto address, an https url or both (e-mail services need one)")
    return LenderIdentity(
        country=check.text(section["country"], "lender.country", COUNTRY, "an ISO 3166-1 alpha-2 code"),
        names=texts["name"], legal_names=texts["legal_name"], address=address,
        return_address=texts["return_address"], department=texts["department"], licence=texts["licence"],
        web=check.text(section["web"], "lender.web"),
        payment_url=check.text(section["payment_url"], "lender.payment_url"),
        contacts_by_country=contacts, payments=payments, opt_out=opt_out, unsubscribe_mailto=mailto,
        unsubscribe_url=url)


def phone_country(phone: str | None) -> str | None:
    """The ISO country of an E.164 number (+1 212 ... -> US), None when it cannot be told."""
    import phonenumbers

    try:
        number = phonenumbers.parse(phone or "", None)
    except phonenumbers.NumberParseException:
        return None
    # the number's own region when it is a valid number, else the calling code's main country
    # (+1 555 0100 is no real line, but it is dialled in North America all the same)
    region = phonenumbers.region_code_for_number(number) or phonenumbers.region_code_for_country_code(
        number.country_code)
    return None if region in (None, "ZZ", "001") else region


@lru_cache(maxsize=1)
def packaged_lender() -> LenderIdentity:
    """The lender of the packaged policy file (a policy file without `lender:` uses it)."""
    import yaml

    from pipelines.settings import DEFAULT_POLICY

    document = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    return validate(document["lender"], DEFAULT_POLICY)


def lender_from_document(document: dict, path: str | Path) -> LenderIdentity:
    """The identity in a policy document (a parsed policy file)."""
    return validate(document.get("lender") if isinstance(document, dict) else None, path)
