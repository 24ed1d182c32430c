"""Concatenate the part files of one batch into one PDF, page order kept.

The parts are ReportLab files written by `letters.render` (classic xref table, one object per
`n 0 obj ... endobj`, uncompressed object dictionaries). Each part keeps its own font subsets: the
objects are copied byte for byte with their numbers shifted, streams untouched, and each part's
subset tags (`AAAAAA+Font`) are rewritten so that no two different subsets in the merged file share
a tag (PDF 32000-1 §9.6.4). A generic merger (pypdf) parses and rewrites every object and takes
longer than rendering; this one only moves bytes, at disk speed.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

_REF = re.compile(rb"(\d+) 0 R\b")
_OBJ = re.compile(rb"(\d+) 0 obj\b")
_TAG = re.compile(rb"/([A-Z]{6})\+")
_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_TRAILER_REF = {name: re.compile(rb"/" + name + rb"\s+(\d+) 0 R") for name in (b"Root", b"Info", b"Pages")}
_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class MergeError(ValueError):
    pass


def _read_part(data: bytes) -> tuple[dict[int, bytes], list[int], set[int]]:
    """Objects by number, page object numbers in order, numbers of objects to drop (catalog, page
    tree root, info)."""
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
        stop = chunk.rfind(b"endobj")
        objects[num] = chunk[:stop + 6]
    trailer = data[data.index(b"trailer", xref_at):sx]
    root = int(_TRAILER_REF[b"Root"].search(trailer).group(1))
    info_m = _TRAILER_REF[b"Info"].search(trailer)
    pages_num = int(_TRAILER_REF[b"Pages"].search(objects[root]).group(1))
    kids = _KIDS.search(objects[pages_num])
    if kids is None or b"/Kids" in objects[pages_num][kids.end():]:
        raise MergeError("nested page tree")
    page_nums = [int(n) for n in _REF.findall(kids.group(1))]
    drop = {root, pages_num}
    if info_m:
        drop.add(int(info_m.group(1)))
    return objects, page_nums, drop


def _tag_for(part: int) -> bytes:
    a, b = divmod(part, 26)
    a, c = divmod(a, 26)
    if a >= 26:
        raise MergeError("too many parts")
    return bytes((_LETTERS[a], _LETTERS[c], _LETTERS[b]))


BLANK_PAGE = b"<< /Type /Page /Parent %d 0 R /MediaBox [ 0 0 595.2756 841.8898 ] /Resources << >> >>"


def merge(parts: list[Path], out: Path, title: str = "", duplex: bool = True,
          letter_pages: list[list[int]] | None = None) -> int:
    """Write `out` from `parts` in order; returns the number of pages.

    `letter_pages[k]` lists the pages of each letter in part k, in order; with `duplex` a blank page
    (no content, no resources) follows every letter with an odd number of pages, so that each
    letter starts on the front of a sheet."""
    offsets: list[int] = []  # index = new object number - 1
    page_refs: list[int] = []
    next_num = 1
    pages_obj = None  # number reserved for the merged page tree, known after the first pass
    digest = hashlib.md5()
    with open(out, "wb") as fh:
        pos = 0

        def write(b: bytes):
            nonlocal pos
            fh.write(b)
            digest.update(b)
            pos += len(b)

        write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        # The merged page tree gets object number 1 so that pages can point to it while streaming.
        pages_obj = next_num
        next_num += 1
        offsets.append(-1)  # filled in at the end
        for part_no, path in enumerate(parts):
            objects, page_nums, drop = _read_part(Path(path).read_bytes())
            numbers = sorted(n for n in objects if n not in drop)
            renum = {old: next_num + i for i, old in enumerate(numbers)}
            next_num += len(numbers)
            tag = _tag_for(part_no)
            page_set = set(page_nums)

            def ref(m, renum=renum, old_pages=drop):
                old = int(m.group(1))
                new = renum.get(old)
                if new is None:
                    new = pages_obj  # the only dropped object pages refer to is their /Parent
                return b"%d 0 R" % new

            for old in numbers:
                body = objects[old]
                s = body.find(b"stream")
                head, tail = (body, b"") if s < 0 else (body[:s], body[s:])
                head = _OBJ.sub(b"%d 0 obj" % renum[old], head, count=1)
                head = _REF.sub(ref, head)
                if b"+" in head:
                    head = _TAG.sub(lambda m: b"/" + tag + m.group(1)[3:] + b"+", head)
                offsets.append(pos)
                write(head)
                write(tail)
                write(b"\n")
            new_pages = [renum[p] for p in page_nums if p in page_set]
            counts = letter_pages[part_no] if letter_pages is not None else [len(new_pages)]
            if sum(counts) != len(new_pages):
                raise MergeError(f"part {part_no}: {len(new_pages)} pages, the letters need {sum(counts)}")
            at = 0
            for count in counts:
                page_refs.extend(new_pages[at:at + count])
                at += count
                if duplex and count % 2:
                    offsets.append(pos)
                    write(b"%d 0 obj\n" % next_num + BLANK_PAGE % pages_obj + b"\nendobj\n")
                    page_refs.append(next_num)
                    next_num += 1
        # page tree, catalog, info
        kids = b" ".join(b"%d 0 R" % n for n in page_refs)
        offsets[pages_obj - 1] = pos
        write(b"%d 0 obj\n<< /Type /Pages /Count %d /Kids [ %s ] >>\nendobj\n" % (pages_obj, len(page_refs), kids))
        catalog = next_num
        offsets.append(pos)
        prefs = b" /ViewerPreferences << /Duplex /DuplexFlipLongEdge >>" if duplex else b""
        write(b"%d 0 obj\n<< /Type /Catalog /Pages %d 0 R%s >>\nendobj\n" % (catalog, pages_obj, prefs))
        info = catalog + 1
        offsets.append(pos)
        write(b"%d 0 obj\n<< /Title %s /Producer (arrears letters) >>\nendobj\n" % (info, _pdf_string(title)))
        xref = pos
        size = info + 1
        rows = [b"xref\n0 %d\n0000000000 65535 f \n" % size]
        rows += [b"%010d 00000 n \n" % off for off in offsets]
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
