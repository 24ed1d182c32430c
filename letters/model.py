"""What a letter is made of: plain, frozen dataclasses that the contact strategy fills in.

Money is always `Decimal`; dates are business dates handed in by the caller (the letter date is the
night's as-of date, never the wall clock). Totals are derived from the itemised arrears so that the
table and the totals printed on a letter can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

TEMPLATES = ("first_reminder", "formal_demand", "final_demand", "validation_notice", "visit_notice")
LANGUAGES = ("zh-CN", "en")
DELIVERY_CLASSES = ("standard", "registered")

ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class Recipient:
    """The postal addressee. `address_lines` are street lines (line1 first); city, region and
    postal code are separate so the block can follow the destination's format (letters.address).
    `postcode_required` is False for a destination without postal codes (the contact policy's
    contact.address_required says which)."""

    name: str
    address_lines: tuple[str, ...]
    city: str
    postal_code: str
    country: str = "CN"  # ISO 3166-1 alpha-2
    region: str = ""  # province / state
    postcode_required: bool = True

    @property
    def line1(self) -> str:
        return self.address_lines[0] if self.address_lines else ""

    def missing(self) -> list[str]:
        """Names of the parts a deliverable address cannot do without (empty list: complete)."""
        gaps = []
        if not _clean(self.name):
            gaps.append("name")
        if not self.address_lines or not _clean(self.address_lines[0]):
            gaps.append("line1")
        if not _clean(self.city):
            gaps.append("city")
        if self.postcode_required and not _clean(self.postal_code):
            gaps.append("postal_code")
        if not _clean(self.country):
            gaps.append("country")
        return gaps

    def normalised(self) -> "Recipient":
        """Whitespace collapsed, empty street lines dropped: what is printed and what the manifest
        records are this same value."""
        return Recipient(
            name=_clean(self.name),
            address_lines=tuple(x for x in (_clean(a) for a in self.address_lines) if x),
            city=_clean(self.city),
            postal_code=_clean(self.postal_code),
            country=_clean(self.country).upper(),
            region=_clean(self.region),
            postcode_required=self.postcode_required,
        )


@dataclass(frozen=True, slots=True)
class ArrearsItem:
    """One overdue installment. `outstanding` = principal + interest + fee − paid."""

    installment: int
    due_date: date
    principal: Decimal
    interest: Decimal
    fee: Decimal
    paid: Decimal = ZERO

    @property
    def amount_due(self) -> Decimal:
        return self.principal + self.interest + self.fee

    @property
    def outstanding(self) -> Decimal:
        return self.principal + self.interest + self.fee - self.paid


@dataclass(frozen=True, slots=True)
class PaymentInstructions:
    """How to pay: the account to pay into and the reference that matches the payment to the loan."""

    bank_name: str
    account_name: str
    account_number: str
    reference: str
    online: str = ""  # e.g. app or web address; empty when none
    swift: str = ""  # BIC of the bank, for payments from abroad; empty when none


@dataclass(frozen=True, slots=True)
class Sender:
    """The lender as a letter prints it (letterhead, return address, footer), in the letter's
    language; `phone` is the hotline for the recipient's country; `country` (ISO) is where the
    letter is mailed from: other destinations get a country line."""

    name: str
    address: tuple[str, ...]
    phone: str
    web: str
    return_address: str
    department: str
    licence: str
    country: str


@dataclass(frozen=True, slots=True)
class ValidationDetails:
    """Reg F §1006.34(c) itemisation for the US-style validation notice."""

    itemization_date: date
    amount_on_itemization_date: Decimal
    creditor_on_itemization_date: str
    current_creditor: str
    account_number: str
    interest_since: Decimal = ZERO
    fees_since: Decimal = ZERO
    payments_since: Decimal = ZERO
    credits_since: Decimal = ZERO

    @property
    def current_amount(self) -> Decimal:
        return (self.amount_on_itemization_date + self.interest_since + self.fees_since
                - self.payments_since - self.credits_since)


@dataclass(frozen=True, slots=True)
class Letter:
    """One letter to print. `letter_date` is the business (as-of) date the letter is dated;
    `mailing_date` the day it is handed to the post (the policy's mailing lag after it; None: the
    letter date), from which every period the letter states is counted."""

    letter_id: str
    loan_id: str
    customer_id: str
    template: str  # one of TEMPLATES
    language: str  # one of LANGUAGES
    delivery: str  # one of DELIVERY_CLASSES
    recipient: Recipient
    letter_date: date
    reference: str
    currency: str
    arrears: tuple[ArrearsItem, ...]
    dpd: int
    payment: PaymentInstructions
    contact_hours: str
    validation: ValidationDetails | None = None
    extra: dict = field(default_factory=dict)  # free values a customised template may use
    sender: Sender | None = None  # the lender's identity for this letter (required to print)
    mailing_date: date | None = None

    @property
    def mailed_on(self) -> date:
        return self.mailing_date or self.letter_date

    # Totals are derived, never passed in: the table and the totals cannot disagree.
    @property
    def total_principal(self) -> Decimal:
        return sum((a.principal for a in self.arrears), ZERO)

    @property
    def total_interest(self) -> Decimal:
        return sum((a.interest for a in self.arrears), ZERO)

    @property
    def total_fee(self) -> Decimal:
        return sum((a.fee for a in self.arrears), ZERO)

    @property
    def total_paid(self) -> Decimal:
        return sum((a.paid for a in self.arrears), ZERO)

    @property
    def total_outstanding(self) -> Decimal:
        return sum((a.outstanding for a in self.arrears), ZERO)

    @property
    def amount(self) -> Decimal:
        """The amount the letter asks for: the validation notice's current amount, else the arrears."""
        if self.template == "validation_notice" and self.validation is not None:
            return self.validation.current_amount
        return self.total_outstanding

    @property
    def validation_period_end(self) -> date:
        return validation_period_end(self.mailed_on)

    @property
    def receipt_date(self) -> date:
        """Reg F's assumed receipt: 5 US business days after the mailing date."""
        return assumed_receipt(self.mailed_on)

    @property
    def batch_key(self) -> tuple[str, str, str]:
        return (self.template, self.language, self.delivery)


def _clean(value: object) -> str:
    return " ".join(str(value or "").split())


# --- Reg F validation period -------------------------------------------------------------------
RECEIPT_BUSINESS_DAYS = 5
VALIDATION_DAYS = 30


def validation_period_end(letter_date: date) -> date:
    """End of the Reg F §1006.34(b)(5) validation period for a notice dated and mailed `letter_date`.

    Receipt is assumed 5 business days after mailing (Saturdays, Sundays and US legal public holidays
    of 5 U.S.C. 6103(a) excluded, and also the weekday a holiday is observed on when it falls on a
    weekend — skipping more days only moves the end later, in the consumer's favour); the period ends
    30 calendar days after that assumed receipt. The end date is not moved off a weekend.
    """
    return assumed_receipt(letter_date) + timedelta(days=VALIDATION_DAYS)


def assumed_receipt(mailed: date) -> date:
    day, counted = mailed, 0
    while counted < RECEIPT_BUSINESS_DAYS:
        day += timedelta(days=1)
        if is_us_business_day(day):
            counted += 1
    return day


def is_us_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in us_legal_holidays(day.year)


@lru_cache(maxsize=64)
def us_legal_holidays(year: int) -> frozenset[date]:
    """5 U.S.C. 6103(a) legal public holidays of `year`, plus their observed weekday when a fixed-date
    holiday falls on a Saturday (Friday before) or Sunday (Monday after)."""

    def nth_weekday(month: int, weekday: int, n: int) -> date:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))

    def last_weekday(month: int, weekday: int) -> date:
        last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1))
        return last - timedelta(days=(last.weekday() - weekday) % 7)

    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2021:
        fixed.append(date(year, 6, 19))  # Juneteenth
    days = set(fixed)
    days |= {
        nth_weekday(1, 0, 3),  # Martin Luther King Jr.'s Birthday
        nth_weekday(2, 0, 3),  # Washington's Birthday
        last_weekday(5, 0),  # Memorial Day
        nth_weekday(9, 0, 1),  # Labor Day
        nth_weekday(10, 0, 2),  # Columbus Day
        nth_weekday(11, 3, 4),  # Thanksgiving Day
    }
    for d in fixed:
        if d.weekday() == 5:
            days.add(d - timedelta(days=1))
        elif d.weekday() == 6:
            days.add(d + timedelta(days=1))
    # New Year's Day of next year observed on Friday 31 December
    if date(year + 1, 1, 1).weekday() == 5:
        days.add(date(year, 12, 31))
    return frozenset(days)
