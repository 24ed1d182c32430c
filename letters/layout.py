"""Page geometry and the layout of one letter: markup in, positioned strings and rules out.

All positions are millimetres from the top-left corner of an A4 sheet (`Geometry`); the painter
converts them to PDF points. The recipient block sits in the window of a C5/6 (DL) window envelope,
DIN 5008 form B: window 20 mm from the left edge, 45 mm from the top, 90 × 45 mm. Everything that
must show through the window (return address, postal endorsement, "private and confidential",
recipient) is checked to lie inside it, with a margin for the sheet moving in the envelope; a
letter whose recipient block does not fit is refused rather than printed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from letters.fonts import Face, FontSet
from letters.markup import Doc

MM = 72.0 / 25.4  # points per millimetre


class Geometry:
    """Where things are printed, millimetres from the top-left of the A4 page."""

    PAGE_W, PAGE_H = 210.0, 297.0
    LEFT, RIGHT = 25.0, 190.0  # text column (DIN 5008 left margin 25 mm, right margin 20 mm)
    # window of the envelope: x, y (top), width, height
    WINDOW = (20.0, 45.0, 90.0, 45.0)
    WINDOW_TEXT_X = 25.0  # 5 mm inside the window's left edge
    WINDOW_PAD = 3.0  # keep text this far inside the window's other edges
    RETURN_BASELINE = 50.0  # return address line, top of the window
    ENDORSE_BASELINE = 54.5  # "REGISTERED" and similar postal endorsements
    NOTICE_FIRST_BASELINE = 58.5  # "PRIVATE AND CONFIDENTIAL"
    RECIPIENT_FIRST_BASELINE = 64.5
    RECIPIENT_LEADING = 4.1
    RECIPIENT_MAX_LINES = 6
    RECIPIENT_SIZE, RECIPIENT_MIN_SIZE = 10.0, 8.0
    INFO_X, INFO_FIRST_BASELINE = 125.0, 50.0  # information block right of the window
    LETTERHEAD_BASELINE = 21.0
    LETTERHEAD_RULE = 28.0
    BODY_TOP_FIRST = 98.0
    BODY_TOP_NEXT = 30.0
    BODY_BOTTOM = 272.0
    CONTINUED_BASELINE = 17.0
    FOOTER_FIRST_BASELINE = 279.0
    FOLD_MARKS = (105.0, 210.0)  # DIN 5008 form B
    PUNCH_MARK = 148.5
    QR_X, QR_BOTTOM, QR_MODULE = 7.0, 8.0, 0.5  # lower-left corner from the left/bottom edges; mm per module

    @classmethod
    def window_text_box(cls) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1): where window text may be, inside the window with padding."""
        x, y, w, h = cls.WINDOW
        return (cls.WINDOW_TEXT_X, y + cls.WINDOW_PAD, x + w - cls.WINDOW_PAD, y + h - cls.WINDOW_PAD)


G = Geometry


@dataclass(frozen=True)
class Style:
    body: float
    lead: float  # mm
    h1: float
    h2: float
    table: float
    table_lead: float
    small: float
    small_lead: float
    info: float
    info_lead: float
    para_gap: float


STYLES = {
    "en": Style(body=9.0, lead=4.3, h1=11.0, h2=9.5, table=8.0, table_lead=4.1, small=7.5, small_lead=3.4,
                info=8.5, info_lead=4.3, para_gap=2.2),
    "zh-CN": Style(body=9.5, lead=4.8, h1=12.0, h2=10.0, table=8.5, table_lead=4.4, small=7.5, small_lead=3.8,
                   info=8.5, info_lead=4.6, para_gap=2.0),
}


class Unprintable(ValueError):
    """The letter cannot be printed as laid out (the reason is for people)."""


# A text item: (x_mm, baseline_mm, face, size_pt, text, bold); a rule: (x0, y0, x1, y1, width_pt, dash)
class Page:
    __slots__ = ("texts", "rules", "number")

    def __init__(self, number: int):
        self.texts: list[tuple] = []
        self.rules: list[tuple] = []
        self.number = number


class _Row:
    __slots__ = ("h", "texts", "rules", "keep", "gap", "header", "brk")

    def __init__(self, h, texts=(), rules=(), keep=False, gap=False, header=None, brk=False):
        self.h, self.texts, self.rules, self.keep, self.gap, self.header, self.brk = h, texts, rules, keep, gap, header, brk


_TOKEN = re.compile(
    r"[\u3000-\u303f\uff00-\uffef\u2e80-\u9fff\uf900-\ufaff]"  # one CJK character or full-width mark
    r"|[^\s\u3000-\u303f\uff00-\uffef\u2e80-\u9fff\uf900-\ufaff]+"  # a run of other non-space characters
    r"|\s+"
)
_NO_LINE_START = set("，。、；：？！）》」』】〕’”%,.;:?!)]}·…")
_NO_LINE_END = set("（《「『【〔‘“([{")


def _tokens(text: str) -> list[str]:
    if text.isascii():
        return text.split(" ")
    raw = _TOKEN.findall(text)
    out: list[str] = []
    glue_next = False
    for tok in raw:
        if tok.isspace():
            out.append(" ")
            glue_next = False
            continue
        if out and not glue_next and tok[0] in _NO_LINE_START and out[-1] != " ":
            out[-1] += tok
        elif glue_next and out:
            out[-1] += tok
        else:
            out.append(tok)
        glue_next = tok[-1] in _NO_LINE_END
    return out


_WRAPPED: dict[tuple, list[str]] = {}


def wrap(text: str, face: Face, size: float, width_mm: float) -> list[str]:
    """Greedy line breaking; CJK breaks between characters, keeping closing marks off line starts.
    Results are cached: most paragraphs are the same words in every letter of a template."""
    key = (text, face.name, size, width_mm)
    lines = _WRAPPED.get(key)
    if lines is None:
        lines = _wrap(text, face, size, width_mm)
        if len(_WRAPPED) > 100_000:
            _WRAPPED.clear()
        _WRAPPED[key] = lines
    return lines


def _wrap(text: str, face: Face, size: float, width_mm: float) -> list[str]:
    limit = width_mm * MM
    if face.width(text, size) <= limit:
        return [text]
    ascii_text = text.isascii()
    toks = _tokens(text)
    lines: list[str] = []
    cur: list[str] = []
    cur_w = 0.0
    space_w = face.width(" ", size)
    for tok in toks:
        if ascii_text:
            w = face.width(tok, size)
            add_w = w + (space_w if cur else 0.0)
            if cur and cur_w + add_w > limit:
                lines.append(" ".join(cur))
                cur, cur_w = [], 0.0
                add_w = w
            if w > limit:  # a single word wider than the line: break it by characters
                for piece in _split_long(tok, face, size, limit):
                    if cur:
                        lines.append(" ".join(cur))
                    cur, cur_w = [piece], face.width(piece, size)
                continue
            cur.append(tok)
            cur_w += add_w
        else:
            if tok == " ":
                if cur:
                    cur.append(" ")
                    cur_w += space_w
                continue
            w = face.width(tok, size)
            if cur and cur_w + w > limit:
                while cur and cur[-1] == " ":
                    cur.pop()
                lines.append("".join(cur))
                cur, cur_w = [], 0.0
            if w > limit:
                for piece in _split_long(tok, face, size, limit):
                    if cur:
                        lines.append("".join(cur))
                    cur, cur_w = [piece], face.width(piece, size)
                continue
            cur.append(tok)
            cur_w += w
    if cur:
        lines.append((" " if ascii_text else "").join(cur).rstrip())
    return lines


def _split_long(tok: str, face: Face, size: float, limit: float) -> list[str]:
    pieces, cur = [], ""
    for ch in tok:
        if cur and face.width(cur + ch, size) > limit:
            pieces.append(cur)
            cur = ""
        cur += ch
    if cur:
        pieces.append(cur)
    return pieces


def _fit_size(face: Face, text: str, size: float, min_size: float, width_mm: float) -> float | None:
    """The largest size from `size` down to `min_size` (0.5 pt steps) at which `text` fits."""
    limit = width_mm * MM
    w = face.width(text, size)
    if w <= limit:
        return size
    fitted = size * limit / w
    fitted = int(fitted * 2) / 2.0
    return fitted if fitted >= min_size else None


class LetterLayout:
    """Lays out one parsed letter for one language's fonts and style."""

    def __init__(self, fonts: FontSet, style: Style):
        self.fonts, self.style = fonts, style

    # --- body blocks to rows -------------------------------------------------------------------
    def _text_rows(self, text: str, size: float, lead: float, x: float, width: float, bold=False,
                   keep=False) -> list[_Row]:
        face = self.fonts.for_text(text, bold)
        fb = bold and (self.fonts.fake_bold or face is self.fonts.fallback)
        rows = []
        base = lead * 0.74
        for line in wrap(text, face, size, width):
            rows.append(_Row(lead, ((x, base, face, size, line, fb),), keep=keep))
        return rows

    def _rows(self, blocks: list[tuple]) -> list[_Row]:
        st = self.style
        L, W = G.LEFT, G.RIGHT - G.LEFT
        rows: list[_Row] = []
        gap = lambda h: rows.append(_Row(h, gap=True))  # noqa: E731
        for k, block in enumerate(blocks):
            kind = block[0]
            if kind == "p":
                rows += self._text_rows(block[1], st.body, st.lead, L, W)
                gap(st.para_gap)
            elif kind == "strong":
                rows += self._text_rows(block[1], st.body, st.lead, L, W, bold=True)
                gap(st.para_gap)
            elif kind in ("line", "right"):  # single lines that stack without gaps, kept together
                if k == 0 or blocks[k - 1][0] not in ("line", "right", "space"):
                    # a closing never stands alone on a page: it takes the line before it along
                    for prev in reversed(rows):
                        prev.keep = True
                        if not prev.gap:
                            break
                for r in self._text_rows(block[1], st.body, st.lead, L, W):
                    if kind == "right":
                        x, dy, face, size, text, b = r.texts[0]
                        r.texts = ((G.RIGHT - face.width(text, size) / MM, dy, face, size, text, b),)
                    r.keep = True
                    rows.append(r)
                following = next((b[0] for b in blocks[k + 1:] if b[0] != "space"), None)
                if following not in ("line", "right"):  # a closing with its signature stays together
                    rows[-1].keep = False
                    if not (k + 1 < len(blocks) and blocks[k + 1][0] == "space"):
                        gap(st.para_gap)
            elif kind == "small":
                rows += self._text_rows(block[1], st.small, st.small_lead, L, W)
                gap(st.para_gap * 0.8)
            elif kind == "h1":
                r = self._text_rows(block[1], st.h1, st.h1 * 0.5, L, W, bold=True, keep=True)
                rows += r
                gap(st.para_gap)
            elif kind == "h2":
                gap(st.para_gap * 0.6)
                rows += self._text_rows(block[1], st.h2, st.lead, L, W, bold=True, keep=True)
                gap(0.8)
            elif kind == "li":
                last_item = k + 1 == len(blocks) or blocks[k + 1][0] != "li"
                r = self._text_rows(block[1], st.body, st.lead, L + 5.0, W - 5.0)
                if r:  # the bullet is a round dot (a zero-length round-capped stroke), whatever the font
                    t = r[0].texts[0]
                    dy = t[1] - t[3] * 0.3 / MM
                    r[0].rules = ((L + 2.0, dy, L + 2.0, dy, t[3] * 0.32, "dot"),)
                rows += r
                gap(st.para_gap if last_item else st.para_gap * 0.4)
            elif kind == "kv":
                rows += self._kv_rows(block[1])
                gap(st.para_gap)
            elif kind == "table":
                rows += self._table_rows(*block[1:])
                gap(st.para_gap)
            elif kind == "space":
                rows.append(_Row(block[1], gap=True, keep=bool(rows) and rows[-1].keep))
            elif kind == "rule":
                dash = block[1] == "cut"
                rows.append(_Row(4.0, rules=((L, 2.0, G.RIGHT, 2.0, 0.5, dash),)))
            elif kind == "pagebreak":
                rows.append(_Row(0.0, brk=True))
        return rows

    def _kv_rows(self, pairs: list[tuple[str, str]]) -> list[_Row]:
        st = self.style
        fs = self.fonts
        size = st.body
        label_w = max(fs.for_text(k, True).width(k, size) for k, _ in pairs) / MM + 4.0
        label_w = min(label_w, 60.0)
        rows = []
        base = st.lead * 0.74
        for k, v in pairs:
            kface = fs.for_text(k, True)
            kfb = fs.fake_bold or kface is fs.fallback
            vface = fs.for_text(v)
            klines = wrap(k, kface, size, label_w - 2.0)
            vlines = wrap(v, vface, size, G.RIGHT - G.LEFT - label_w) if v else []
            for i in range(max(len(klines), len(vlines))):
                texts = []
                if i < len(klines):
                    texts.append((G.LEFT, base, kface, size, klines[i], kfb))
                if i < len(vlines):
                    texts.append((G.LEFT + label_w, base, vface, size, vlines[i], False))
                rows.append(_Row(st.lead, tuple(texts), keep=i + 1 < len(klines)))
        return rows

    def _table_rows(self, aligns, header, body, totals) -> list[_Row]:
        st, fs = self.style, self.fonts
        ncol = len(header)
        width = (G.RIGHT - G.LEFT) * MM
        pad = 2.5 * MM
        size = st.table
        all_rows = [(header, True)] + [(r, False) for r in body] + [(r, True) for r in totals]
        for r, _ in all_rows:
            if len(r) != ncol:
                raise Unprintable(f"table row has {len(r)} cells, header has {ncol}")
        while True:
            natural = [0.0] * ncol
            for r, bold in all_rows:
                for i, cell in enumerate(r):
                    w = fs.for_text(cell, bold).width(cell, size)
                    if w > natural[i]:
                        natural[i] = w
            total = sum(natural) + pad * ncol
            if total <= width or size <= 6.5:
                break
            size = max(6.5, size * width / total - 0.1)
        extra = max(0.0, width - total) / ncol
        colw = [n + pad + extra for n in natural]
        xs = [G.LEFT * MM]
        for w in colw[:-1]:
            xs.append(xs[-1] + w)
        lead = st.table_lead
        base = lead * 0.72

        def row(cells, bold, rules=(), h=lead, shift=0.0):
            texts = []
            for i, cell in enumerate(cells):
                if not cell:
                    continue
                face = fs.for_text(cell, bold)
                if aligns[i] == "R":
                    x = (xs[i] + colw[i] - pad / 2 - face.width(cell, size)) / MM
                else:
                    x = (xs[i] + pad / 2) / MM
                texts.append((x, base + shift, face, size, cell, bold and (fs.fake_bold or face is fs.fallback)))
            return _Row(h, tuple(texts), rules)

        head = row(header, True, ((G.LEFT, lead + 0.7, G.RIGHT, lead + 0.7, 0.6, False),
                                  (G.LEFT, 0.0, G.RIGHT, 0.0, 0.6, False)), h=lead + 1.0, shift=0.3)
        head.keep = True
        out = [head]
        for r in body:
            x = row(r, False)
            x.header = head
            out.append(x)
        for j, r in enumerate(totals):
            rules = ((G.LEFT, 0.5, G.RIGHT, 0.5, 0.6, False),) if j == 0 else ()
            x = row(r, True, rules, h=lead + (0.8 if j == 0 else 0.0), shift=0.8 if j == 0 else 0.0)
            x.header = head
            out.append(x)
        if not totals:
            out[-1].rules = out[-1].rules + ((G.LEFT, lead + 0.4, G.RIGHT, lead + 0.4, 0.4, False),)
        return out

    # --- pagination ------------------------------------------------------------------------------
    def _paginate(self, rows: list[_Row], first_top: float) -> list[Page]:
        pages = [Page(1)]
        page = pages[0]
        top = first_top
        y = top
        bottom = G.BODY_BOTTOM

        def new_page():
            nonlocal page, y, top
            page = Page(len(pages) + 1)
            pages.append(page)
            top = y = G.BODY_TOP_NEXT

        def place(r: _Row):
            nonlocal y
            for (x, dy, face, size, text, bold) in r.texts:
                page.texts.append((x, y + dy, face, size, text, bold))
            for (x0, dy0, x1, dy1, w, dash) in r.rules:
                page.rules.append((x0, y + dy0, x1, y + dy1, w, dash))
            y += r.h

        n = len(rows)
        for i, r in enumerate(rows):
            if r.brk:
                new_page()
                continue
            if r.gap:
                if y > top:
                    y = min(y + r.h, bottom)
                continue
            need = r.h
            j = i
            while rows[j].keep and j + 1 < n:  # keep headings with what follows them
                j += 1
                need += rows[j].h
            if y + need > bottom and y > top:
                new_page()
                if r.header is not None:
                    place(r.header)
            place(r)
        return pages

    # --- the whole letter -----------------------------------------------------------------------
    def layout(self, doc: Doc) -> list[Page]:
        fs = self.fonts
        info_rows, info_bottom = self._info(doc.info)
        first_top = max(G.BODY_TOP_FIRST, info_bottom + 6.0)
        pages = self._paginate(self._rows(doc.blocks), first_top)
        first = pages[0]
        first.texts += info_rows
        self._letterhead(doc.sender, first)
        self._window(doc, first)
        for y in G.FOLD_MARKS:
            first.rules.append((4.0, y, 8.5, y, 0.4, False))
        first.rules.append((4.0, G.PUNCH_MARK, 10.5, G.PUNCH_MARK, 0.4, False))
        total = len(pages)
        for p in pages:
            subst = {"{page}": str(p.number), "{pages}": str(total)}
            if p.number > 1 and doc.continued:
                y = G.CONTINUED_BASELINE
                for line in doc.continued:
                    line = _subst(line, subst)
                    face = fs.for_text(line)
                    p.texts.append((G.LEFT, y, face, 8.0, line, False))
                    y += 3.8
                p.rules.append((G.LEFT, y - 2.0, G.RIGHT, y - 2.0, 0.4, False))
            y = G.FOOTER_FIRST_BASELINE
            for left, right in doc.footer:
                left, right = _subst(left, subst), _subst(right, subst)
                if left:
                    face = fs.for_text(left)
                    size = _fit_size(face, left, 7.0, 5.0, G.RIGHT - G.LEFT - 30.0) or 5.0
                    p.texts.append((G.LEFT, y, face, size, left, False))
                if right:
                    face = fs.for_text(right)
                    p.texts.append((G.RIGHT - face.width(right, 7.0) / MM, y, face, 7.0, right, False))
                y += 3.4
        return pages

    def _info(self, info: list[tuple[str, str]]) -> tuple[list[tuple], float]:
        fs, st = self.fonts, self.style
        size = st.info
        if not info:
            return [], G.INFO_FIRST_BASELINE
        label_w = max(fs.for_text(k).width(k, size) for k, _ in info) / MM + 3.0
        value_x = G.INFO_X + label_w
        value_w = G.RIGHT - value_x
        out = []
        y = G.INFO_FIRST_BASELINE
        for k, v in info:
            kface = fs.for_text(k)
            out.append((G.INFO_X, y, kface, size, k, False))
            vface = fs.for_text(v)
            vsize = _fit_size(vface, v, size, size - 2.0, value_w)
            if vsize is not None:
                out.append((value_x, y, vface, vsize, v, False))
                y += st.info_lead
                continue
            for line in wrap(v, vface, size, value_w):
                out.append((value_x, y, vface, size, line, False))
                y += st.info_lead
        return out, y - st.info_lead

    def _letterhead(self, sender: list[str], page: Page) -> None:
        if not sender:
            return
        fs = self.fonts
        y = 12.5
        widest = 0.0
        for line in sender[1:]:
            face = fs.for_text(line)
            w = face.width(line, 7.5) / MM
            widest = max(widest, w)
            page.texts.append((G.RIGHT - w, y, face, 7.5, line, False))
            y += 3.3
        name = sender[0]
        face = fs.head if fs.head.covers(name) else fs.fallback
        size = _fit_size(face, name, 15.0, 9.0, G.RIGHT - G.LEFT - widest - 6.0) or 9.0
        page.texts.append((G.LEFT, G.LETTERHEAD_BASELINE, face, size, name, fs.fake_bold or face is fs.fallback))
        page.rules.append((G.LEFT, max(G.LETTERHEAD_RULE, y), G.RIGHT, max(G.LETTERHEAD_RULE, y), 0.8, False))

    def _window(self, doc: Doc, page: Page) -> None:
        """Return address, endorsement, notice and recipient, all inside the window or refused."""
        fs = self.fonts
        x0, y0, x1, y1 = G.window_text_box()
        width = x1 - x0
        if doc.return_line:
            line = doc.return_line[0]
            face = fs.for_text(line)
            size = _fit_size(face, line, 6.5, 5.0, width)
            if size is None:
                raise Unprintable("return address too long for the envelope window")
            page.texts.append((x0, G.RETURN_BASELINE, face, size, line, False))
            page.rules.append((x0, G.RETURN_BASELINE + 1.0, x0 + face.width(line, size) / MM, G.RETURN_BASELINE + 1.0,
                               0.3, False))
        y = G.ENDORSE_BASELINE
        for line in doc.endorse[:1]:
            face = fs.for_text(line, True)
            size = _fit_size(face, line, 8.0, 6.0, width)
            if size is None:
                raise Unprintable("postal endorsement too long for the envelope window")
            page.texts.append((x0, y, face, size, line, fs.fake_bold or face is fs.fallback))
        y = G.NOTICE_FIRST_BASELINE
        for line in doc.notice[:1]:
            face = fs.for_text(line, True)
            size = _fit_size(face, line, 8.0, 6.0, width)
            if size is None:
                raise Unprintable("confidentiality notice too long for the envelope window")
            page.texts.append((x0, y, face, size, line, fs.fake_bold or face is fs.fallback))
        lines = [t for t in doc.to if t]
        if not lines:
            raise Unprintable("template printed no recipient block")
        if len(lines) > G.RECIPIENT_MAX_LINES:
            raise Unprintable(f"recipient block has {len(lines)} lines; the window holds {G.RECIPIENT_MAX_LINES}")
        size = G.RECIPIENT_SIZE
        faces = []
        for line in lines:
            face = fs.for_text(line)
            faces.append(face)
            fitted = _fit_size(face, line, size, G.RECIPIENT_MIN_SIZE, width)
            if fitted is None:
                raise Unprintable(f"recipient line too long for the envelope window: {line!r}")
            size = min(size, fitted)
        y = G.RECIPIENT_FIRST_BASELINE
        for line, face in zip(lines, faces):
            page.texts.append((x0, y, face, size, line, False))
            y += G.RECIPIENT_LEADING
        last = y - G.RECIPIENT_LEADING
        if last - face.descent * size / 1000 / MM > y1:
            raise Unprintable("recipient block runs below the envelope window")


def _subst(text: str, mapping: dict[str, str]) -> str:
    if "{" not in text:
        return text
    for k, v in mapping.items():
        text = text.replace(k, v)
    return text
