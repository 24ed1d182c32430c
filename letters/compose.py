"""One letter from data to laid-out pages, or a reason why it must not be printed."""
from __future__ import annotations

from dataclasses import dataclass

from jinja2 import TemplateError

from letters.fonts import fontset
from letters.layout import STYLES, LetterLayout, Page, Unprintable
from letters.markup import MarkupError, parse
from letters.model import DELIVERY_CLASSES, LANGUAGES, TEMPLATES, Letter, Recipient
from letters.templating import Templates


class Refused(Exception):
    """This letter is not printed; the message says why (it goes to the unreachable list)."""


@dataclass
class Composed:
    letter: Letter
    recipient: Recipient  # normalised: exactly what the window shows and the manifest records
    pages: list[Page]
    recipient_lines: list[str]


class Composer:
    """Compiled templates and loaded fonts for one process; `compose` is called per letter."""

    def __init__(self, templates_dir=None):
        self.templates = Templates(templates_dir)
        self._layouts: dict[str, LetterLayout] = {}

    def layout_for(self, language: str) -> LetterLayout:
        lay = self._layouts.get(language)
        if lay is None:
            lay = self._layouts[language] = LetterLayout(fontset(language), STYLES[language])
        return lay

    def check(self, letter: Letter) -> Recipient:
        """The normalised recipient, or `Refused` when the letter cannot be sent as it is."""
        if letter.template not in TEMPLATES:
            raise Refused(f"unknown template {letter.template!r}")
        if letter.language not in LANGUAGES:
            raise Refused(f"unknown language {letter.language!r}")
        if letter.delivery not in DELIVERY_CLASSES:
            raise Refused(f"unknown delivery class {letter.delivery!r}")
        if letter.sender is None:
            raise Refused("no sender: the lender's identity (policy lender:) was not given")
        if letter.payment is None:
            raise Refused(f"no payment details for {letter.currency} in {letter.language} (policy lender.payment)")
        recipient = letter.recipient.normalised()
        missing = recipient.missing()
        if missing:
            raise Refused("incomplete address: missing " + ", ".join(missing))
        if letter.template == "validation_notice":
            if letter.validation is None:
                raise Refused("validation notice without itemisation (validation details missing)")
        elif not letter.arrears:
            raise Refused("no overdue installment to itemise")
        return recipient

    def compose(self, letter: Letter) -> Composed:
        recipient = self.check(letter)
        try:
            text = self.templates.render(letter, recipient)
        except TemplateError as exc:
            raise Refused(f"template {letter.language}/{letter.template}: {exc}") from None
        layout = self.layout_for(letter.language)
        bad = layout.fonts.unprintable("".join(set(text)))
        if bad:
            raise Refused("characters the letter fonts cannot print: " + " ".join(f"U+{ord(c):04X}" for c in sorted(bad)))
        try:
            doc = parse(text)
        except MarkupError as exc:
            raise Refused(f"template {letter.language}/{letter.template}: {exc}") from None
        block = "\n".join(doc.to)
        expected = self.templates.postal.block(recipient, letter.sender.country)
        absent = [name for name, value in (("name", recipient.name), ("line1", recipient.line1),
                                           ("postal_code", recipient.postal_code)) if value not in block]
        if not absent and [x for x in expected if x not in block]:
            absent = ["the destination's postal format (postal.yaml)"]
        if absent:
            raise Refused(f"template {letter.language}/{letter.template} leaves {', '.join(absent)} out of the "
                          "recipient block")
        try:
            pages = layout.layout(doc)
        except Unprintable as exc:
            raise Refused(str(exc)) from None
        return Composed(letter, recipient, pages, list(doc.to))
