"""Write the print file of one batch from its parts, page order kept, blank backs added.

A part is what one worker rendered: a ReportLab file holding only the part's font subsets (a
document without pages) and the Flate-compressed content stream of each page, back to back in a
side file. This module writes the PDF around them: the font objects copied byte for byte with their
numbers shifted, one font resource dictionary per part, then a stream object and a page object per
page, a blank page (no content, no resources) after every letter with an odd number of pages when
printing duplex, and the page tree, catalog and cross-reference table. Each part keeps its own font
subsets; their tags (`AAAAAA+Font`) are rewritten per part so that no two different subsets in the
file share a tag (PDF 32000-1 §9.6.4). Nothing is parsed but the small font objects, so the merge
runs at disk speed, where a generic merger would parse and rewrite every page.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

_REF = re.compile(rb"(?<![\d.])(\d+) 0 R\b")
_OBJ = re.compile(rb"(\d+) 0 obj\b")
_TAG = re.compile(rb"/([A-Z]{6})\+")
_FONT_NAME = re.compile(rb"/Name /(F\d+\+\d+)")
_TRAILER_REF = {name: re.compile(rb"/" + name + rb"\s+(\d+) 0 R") for name in (b"Root", b"Info", b"Pages")}
_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MEDIA_BOX = b"[ 0 0 595.2756 841.8898 ]"  # A4 in points


class MergeError(ValueError):
    pass


@dataclass
class MergePart:
    fonts_pdf: str  # ReportLab file with the part's fonts (its pages, if any, are ignored)
    streams: str  # compressed page contents, back to back
    stream_lengths: list[int]  # byte length of each page's content stream
    letter_pages: list[int]  # pages of each letter, in order


def _read_objects(data: bytes) -> tuple[dict[int, bytes], set[int]]:
    """Objects by number, and the numbers of the document structure to leave out (catalog, page
    tree, info, pages and their contents)."""
    sx = data.rfind(b"startxref")
    if sx < 0:
        raise MergeError("no startxref")
    xref_at = int(data[sx + 9:].split()[0])
    if data[xref_at:xref_at + 4] != b"xref":
        raise MergeError("not a classic xref table")
    lines = data[xref_at:data.index(b"trailer", xref_at)].split(b"\n")
    first, count = (int(x) for x in lines[1].split())
    offsets = {}
    for i, line in enumerate(lines[2:2 + count]):
        off, _gen, kind = line.split()[:3]
        if kind == b"n":
            offsets[first + i] = int(off)
    ordered = sorted(offsets.items(), key=lambda kv: kv[1])
    objects = {}
    for k, (num, off) in enumerate(ordered):
        end = ordered[k + 1][1] if k + 1 < len(ordered) else xref_at
        chunk = data[off:end]
        objects[num] = chunk[:chunk.rfind(b"endobj") + 6]
    trailer = data[data.index(b"trailer", xref_at):sx]
    root = int(_TRAILER_REF[b"Root"].search(trailer).group(1))
    pages = int(_TRAILER_REF[b"Pages"].search(objects[root]).group(1))
    drop = {root, pages}
    info = _TRAILER_REF[b"Info"].search(trailer)
    if info:
        drop.add(int(info.group(1)))
    for num, body in objects.items():  # pages the part may hold, and their content streams
        if b"/Type /Page\n" in body or b"/Type /Page " in body or body.rstrip().endswith(b"/Type /Page\n>>\nendobj"):
            drop.add(num)
            contents = re.search(rb"/Contents (\d+) 0 R", body)
            if contents:
                drop.add(int(contents.group(1)))
    return objects, drop


def _tag_for(part: int) -> bytes:
    a, c = divmod(part, 26)
    a, b = divmod(a, 26)
    if a >= 26:
        raise MergeError("too many parts")
    return bytes((_LETTERS[a], _LETTERS[b], _LETTERS[c]))


def merge(parts: list[MergePart], out: Path, title: str = "", duplex: bool = True) -> int:
    """Write `out` from `parts` in order; returns the number of pages."""
    offsets: list[int] = []  # index = object number - 1
    page_refs: list[int] = []
    digest = hashlib.md5()
    with open(out, "wb") as fh:
        pos = 0

        def write(b: bytes) -> None:
            nonlocal pos
            fh.write(b)
            digest.update(b)
            pos += len(b)

        def new_object(body: bytes) -> int:
            offsets.append(pos)
            num = len(offsets)
            write(b"%d 0 obj\n" % num + body + b"\nendobj\n")
            return num

        write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        pages_obj = 1  # the page tree, written last; pages point to it as they stream out
        offsets.append(-1)
        for part_no, part in enumerate(parts):
            if sum(part.letter_pages) != len(part.stream_lengths):
                raise MergeError(f"part {part_no}: {len(part.stream_lengths)} pages, the letters need "
                                 f"{sum(part.letter_pages)}")
            objects, drop = _read_objects(Path(part.fonts_pdf).read_bytes())
            numbers = sorted(n for n in objects if n not in drop)
            first = len(offsets) + 1
            renum = {old: first + i for i, old in enumerate(numbers)}
            tag = _tag_for(part_no)
            fonts = []

            def ref(m, renum=renum):
                new = renum.get(int(m.group(1)))
                if new is None:
                    raise MergeError("a font object refers to the document structure")
                return b"%d 0 R" % new

            for old in numbers:
                body = objects[old]
                s = body.find(b"stream")
                head, tail = (body, b"") if s < 0 else (body[:s], body[s:])
                head = _OBJ.sub(b"%d 0 obj" % renum[old], head, count=1)
                head = _REF.sub(ref, head)
                if b"+" in head:
                    head = _TAG.sub(lambda m, tag=tag: b"/" + tag + m.group(1)[3:] + b"+", head)
                if b"/Type /Font" in head and b"/Subtype" in head:
                    name = _FONT_NAME.search(head)
                    if name:
                        fonts.append((name.group(1), renum[old]))
                offsets.append(pos)
                write(head + tail + b"\n")
            font_dict = new_object(b"<< " + b" ".join(b"/%s %d 0 R" % f for f in fonts) + b" >>")
            resources = b"<< /Font %d 0 R /ProcSet [ /PDF /Text /ImageB ] >>" % font_dict
            lengths = iter(part.stream_lengths)
            with open(part.streams, "rb") as streams:
                for count in part.letter_pages:
                    for _ in range(count):
                        data = streams.read(next(lengths))
                        contents = new_object(b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(data)
                                              + data + b"\nendstream")
                        page_refs.append(new_object(b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Resources %s "
                                                    b"/Contents %d 0 R >>" % (pages_obj, MEDIA_BOX, resources,
                                                                             contents)))
                    if duplex and count % 2:  # blank back: the next letter starts on a front side
                        page_refs.append(new_object(b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Resources << >> >>"
                                                    % (pages_obj, MEDIA_BOX)))
                if streams.read(1):
                    raise MergeError(f"part {part_no}: content streams longer than their lengths")
        offsets[pages_obj - 1] = pos
        kids = b" ".join(b"%d 0 R" % n for n in page_refs)
        write(b"%d 0 obj\n<< /Type /Pages /Count %d /Kids [ %s ] >>\nendobj\n" % (pages_obj, len(page_refs), kids))
        prefs = b" /ViewerPreferences << /Duplex /DuplexFlipLongEdge >>" if duplex else b""
        catalog = new_object(b"<< /Type /Catalog /Pages %d 0 R%s >>" % (pages_obj, prefs))
        info = new_object(b"<< /Title %s /Producer (arrears letters) >>" % _pdf_string(title))
        xref = pos
        size = len(offsets) + 1
        rows = [b"xref\n0 %d\n0000000000 65535 f \n" % size] + [b"%010d 00000 n \n" % off for off in offsets]
        write(b"".join(rows))
        file_id = digest.hexdigest().encode()
        fh.write(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s><%s>] >>\nstartxref\n%d\n%%%%EOF\n"
                 % (size, catalog, info, file_id, file_id, xref))
    return len(page_refs)


def _pdf_string(text: str) -> bytes:
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return b"<feff" + text.encode("utf-16-be").hex().encode() + b">"
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
