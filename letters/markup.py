"""The markup a letter template produces, parsed into page furniture and body blocks.

One directive or text line per line (leading spaces ignored; see docs/letters.md for the list):

    @sender, @return, @endorse, @notice, @to, @info A | B, @continued, @footer A | B   page furniture
    # subject, ## heading, - bullet, plain lines (a paragraph; a blank line ends it)   body text
    @table H | >H ..., @row ..., @total ..., @kv A | B, @strong, @line, @right, @small, @space MM, @rule [cut],
    @pagebreak

A backslash makes the next character plain text (`\\|`, `\\#`, `\\\\`); values inserted by the
template are escaped that way automatically (`letters.templating.escape_value`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_UNESCAPE = re.compile(r"\\(.)")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


class MarkupError(ValueError):
    """The template produced a line the layout does not understand."""


@dataclass
class Doc:
    sender: list[str] = field(default_factory=list)
    return_line: list[str] = field(default_factory=list)
    endorse: list[str] = field(default_factory=list)
    notice: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    info: list[tuple[str, str]] = field(default_factory=list)
    continued: list[str] = field(default_factory=list)
    footer: list[tuple[str, str]] = field(default_factory=list)
    # ("h1", text) ("h2", text) ("p", text) ("small", text) ("strong", text) ("line", text) ("right", text)
    # ("li", text)
    # ("kv", [(k, v)])
    # ("table", aligns, header, rows, totals) ("space", mm) ("rule", style) ("pagebreak",)
    blocks: list[tuple] = field(default_factory=list)


def unescape(s: str) -> str:
    return _UNESCAPE.sub(r"\1", s) if "\\" in s else s


def cells(s: str) -> list[str]:
    """Split on `|` that is not escaped; unescape and strip each cell."""
    if "\\" not in s:
        return [c.strip() for c in s.split("|")]
    out, cur, i, n = [], [], 0, len(s)
    while i < n:
        ch = s[i]
        if ch == "\\" and i + 1 < n:
            cur.append(s[i + 1])
            i += 2
            continue
        if ch == "|":
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    out.append("".join(cur).strip())
    return out


def _pair(rest: str) -> tuple[str, str]:
    c = cells(rest)
    if len(c) == 1:
        return c[0], ""
    return c[0], " | ".join(c[1:]) if len(c) > 2 else c[1]


def join_lines(a: str, b: str) -> str:
    if not a:
        return b
    if _CJK.match(a[-1]) or _CJK.match(b[0]):
        return a + b
    return a + " " + b


def parse(text: str) -> Doc:
    doc = Doc()
    blocks = doc.blocks
    para: list[str] = []
    para_kind = "p"
    table = None  # [aligns, header, rows, totals]
    kv = None

    def flush():
        nonlocal para, table, kv
        if para:
            joined = ""
            for piece in para:
                joined = join_lines(joined, piece)
            blocks.append((para_kind, joined))
            para = []
        if table is not None:
            blocks.append(("table", table[0], table[1], table[2], table[3]))
            table = None
        if kv is not None:
            blocks.append(("kv", kv))
            kv = None

    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line:
            if para or table is not None or kv is not None:
                flush()
            continue
        first = line[0]
        if first == "@":
            name, _, rest = line[1:].partition(" ")
            rest = rest.strip()
            if name == "row" or name == "total":
                if table is None:
                    raise MarkupError(f"line {number}: @{name} outside a @table")
                row = [c.strip() for c in rest.split("|")] if "\\" not in rest else cells(rest)
                (table[2] if name == "row" else table[3]).append(row)
                continue
            if name == "kv":
                if para or table is not None:
                    flush()
                if kv is None:
                    kv = []
                kv.append(_pair(rest))
                continue
            flush()
            if name == "sender":
                doc.sender.append(unescape(rest))
            elif name == "return":
                doc.return_line.append(unescape(rest))
            elif name == "endorse":
                doc.endorse.append(unescape(rest))
            elif name == "notice":
                doc.notice.append(unescape(rest))
            elif name == "to":
                doc.to.append(unescape(rest))
            elif name == "info":
                doc.info.append(_pair(rest))
            elif name == "continued":
                doc.continued.append(unescape(rest))
            elif name == "footer":
                doc.footer.append(_pair(rest))
            elif name == "table":
                head = cells(rest)
                aligns = ["R" if h.startswith(">") else "L" for h in head]
                table = [aligns, [h[1:].strip() if h.startswith(">") else h for h in head], [], []]
            elif name in ("strong", "right", "line"):
                blocks.append((name, unescape(rest)))
            elif name == "small":
                para_kind = "small"  # plain lines after it join it, up to the next blank line
                para.append(unescape(rest))
            elif name == "space":
                try:
                    blocks.append(("space", float(rest or 3)))
                except ValueError:
                    raise MarkupError(f"line {number}: @space needs a number of millimetres") from None
            elif name == "rule":
                blocks.append(("rule", rest or "solid"))
            elif name == "pagebreak":
                blocks.append(("pagebreak",))
            else:
                raise MarkupError(f"line {number}: unknown directive @{name}")
            continue
        if table is not None or kv is not None:
            flush()
        if first == "#":
            flush()
            level = 2 if line.startswith("##") else 1
            blocks.append(("h1" if level == 1 else "h2", unescape(line.lstrip("#").strip())))
            continue
        if line.startswith("- "):
            flush()
            para_kind = "li"  # plain lines after it continue the item, up to a blank line or the next item
            para.append(unescape(line[2:].strip()))
            continue
        if not para:
            para_kind = "p"
        para.append(line if "\\" not in line else unescape(line))
    flush()
    return doc
