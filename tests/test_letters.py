"""Letter print files: what operations and the mail room rely on, checked in the PDFs themselves."""
from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

import letters.render as render_mod
from letters import batch_name, group_batches, render_batch, render_batches, validation_period_end
from letters.cli import main as letters_cli
from letters.layout import MM, Geometry
from letters.model import assumed_receipt
from letters.qr import QRStamp, reference_matrix, stamp_for
from letters.sample import sample_letter, sample_letters, with_recipient
from letters.templating import TEMPLATE_DIR, Locale, escape_value, load_yaml

AS_OF = date(2026, 11, 27)
LOCALE = load_yaml(TEMPLATE_DIR, "locale.yaml")


def money(letter) -> str:
    return Locale(LOCALE, letter.language).money(letter.amount, letter.currency)


def read_manifest(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def all_templates() -> list:
    out = []
    seq = 1
    for language in ("zh-CN", "en"):
        for template in ("first_reminder", "formal_demand", "final_demand", "validation_notice"):
            for delivery in ("standard", "registered"):
                for _ in range(2):
                    out.append(sample_letter(template, language, delivery, seq=seq))
                    seq += 1
    return out


BAD = {
    "no-line1": {"address_lines": ()},
    "no-city": {"city": "  "},
    "no-postal": {"postal_code": ""},
}


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Every template × language × delivery, plus letters that must be refused or neutralised."""
    out = tmp_path_factory.mktemp("letters")
    letters = all_templates()
    bad = []
    for i, (tag, change) in enumerate(BAD.items()):
        bad.append(replace(with_recipient(sample_letter("formal_demand", "zh-CN", seq=900 + i), **change),
                           letter_id=f"BAD-{tag}"))
    tricky = [
        with_recipient(sample_letter("first_reminder", "en", seq=950), name="=HYPERLINK(\"http://x\")",
                       address_lines=("+1 Main St", "@Home")),
        with_recipient(sample_letter("first_reminder", "en", seq=951), name="-Eve # | Smith",
                       address_lines=("\tTab Rd",)),
    ]
    results = render_batches(letters + bad + tricky, out, progress=False, workers=1)
    return out, letters, bad, tricky, results


def pages_text(reader: PdfReader, start: int, count: int) -> str:
    return "\n".join(reader.pages[i].extract_text() for i in range(start - 1, start - 1 + count))


def test_batches_are_named_by_template_language_and_delivery(printed):
    out, letters, *_ , results = printed
    assert set(results) == {batch_name(*x.batch_key) for x in letters}
    assert "first_reminder-zh-CN-standard" in results
    for name, result in results.items():
        assert result.pdf == out / f"{name}.pdf" and result.manifest.exists() and result.totals.exists()


def test_page_count_equals_manifest_and_totals(printed):
    out, *_, results = printed
    for result in results.values():
        reader = PdfReader(result.pdf)
        rows = read_manifest(result.manifest)
        totals = json.loads(result.totals.read_text())
        assert len(reader.pages) == sum(int(r["page_count"]) for r in rows) == totals["pages"] == result.pages
        start = 1
        for r in rows:  # letters follow each other without gaps or overlaps
            assert int(r["page_start"]) == start
            assert int(r["page_count"]) % 2 == 0  # duplex: each letter is whole sheets
            start += int(r["page_count"])
        assert totals["letters"] == len(rows)
        assert totals["sheets"] == sum(int(r["sheets"]) for r in rows) == totals["pages"] // 2
        assert Decimal(totals["amount"]["CNY"]) == sum(Decimal(r["amount"]) for r in rows)
        assert totals["files"][result.pdf.name] == hashlib.sha256(result.pdf.read_bytes()).hexdigest()
        assert totals["files"][result.manifest.name] == hashlib.sha256(result.manifest.read_bytes()).hexdigest()


def test_each_letter_text_is_extractable_with_name_and_amount(printed):
    _, letters, _, tricky, results = printed
    by_id = {x.letter_id: x for x in letters + tricky}
    seen_chinese = False
    for result in results.values():
        reader = PdfReader(result.pdf)
        for r in read_manifest(result.manifest):
            letter = by_id[r["letter_id"]]
            text = pages_text(reader, int(r["page_start"]), int(r["content_pages"]))
            assert letter.recipient.name in text, r["letter_id"]
            assert money(letter) in text, (r["letter_id"], money(letter))
            assert letter.loan_id in text
            if letter.language == "zh-CN":
                assert "私人信函" in text and "¥" in money(letter)
                seen_chinese = True
            else:
                assert "PRIVATE AND CONFIDENTIAL" in text and money(letter).startswith("CNY ")
    assert seen_chinese


def test_fonts_are_embedded_including_cjk(printed):
    *_, results = printed
    names = set()
    for result in results.values():
        reader = PdfReader(result.pdf)
        for page in reader.pages:
            fonts = page.get("/Resources", {}).get("/Font", {})
            for font in fonts.values():
                font = font.get_object()
                descriptor = font["/FontDescriptor"].get_object()
                assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
                assert re.match(r"^/[A-Z]{6}\+", font["/BaseFont"]), "embedded fonts are subsets"
                names.add(str(font["/BaseFont"]).split("+", 1)[1])
    assert any("WenQuanYi" in n for n in names) and any("DejaVu" in n for n in names)


def _positions(page) -> list[tuple[str, float, float, float]]:
    """(text, x mm from left, baseline mm from top, size pt) of each string drawn on the page."""
    found = []

    def visit(text, cm, tm, font, size):
        if not text.strip():
            return
        x = (tm[4] * cm[0] + tm[5] * cm[2] + cm[4]) / MM
        y = Geometry.PAGE_H - (tm[4] * cm[1] + tm[5] * cm[3] + cm[5]) / MM
        if found and found[-1][1:3] == (x, y):  # pypdf reports a string per font subset: join them
            found[-1] = (found[-1][0] + text, x, y, found[-1][3])
        else:
            found.append((text, x, y, size * tm[0]))

    page.extract_text(visitor_text=visit)
    return [(t.strip(), x, y, s) for t, x, y, s in found]


def test_recipient_block_is_inside_the_envelope_window(printed):
    from letters.fonts import fontset

    _, letters, _, _, results = printed
    by_id = {x.letter_id: x for x in letters}
    wx, wy, ww, wh = Geometry.WINDOW
    assert (wx, wy, ww, wh) == (20.0, 45.0, 90.0, 45.0)  # DIN 5008 form B window, as documented
    x0, y0, x1, y1 = Geometry.window_text_box()
    assert wx < x0 and wy < y0 and x1 < wx + ww and y1 < wy + wh
    checked = 0
    for result in results.values():
        reader = PdfReader(result.pdf)
        for r in read_manifest(result.manifest):
            if r["letter_id"] not in by_id:
                continue
            letter = by_id[r["letter_id"]]
            recipient = letter.recipient.normalised()
            fonts = fontset(letter.language)
            placed = _positions(reader.pages[int(r["page_start"]) - 1])
            # the recipient block as printed: the strings below the notice line, left of the info block
            block = [(t, x, y, s) for t, x, y, s in placed
                     if Geometry.NOTICE_FIRST_BASELINE < y < Geometry.BODY_TOP_FIRST and x < Geometry.INFO_X - 1]
            assert len(block) >= 4, r["letter_id"]
            text = "\n".join(t for t, *_ in block)
            for value in (recipient.name, recipient.line1, recipient.city, recipient.postal_code):
                assert value in text, (r["letter_id"], value)
            for t, x, y, size in block:  # every line, start and end, lies inside the window
                right = x + fonts.for_text(t).width(t, size) / MM
                assert x0 - 0.01 <= x and right <= x1, (t, x, right)
                assert y0 <= y <= y1, (t, y)
            notice = [(x, y) for t, x, y, _ in placed if t in ("私人信函 请勿转交", "PRIVATE AND CONFIDENTIAL")]
            assert notice and y0 <= notice[0][1] <= y1
            checked += 1
    assert checked == 32


def test_odd_letters_get_a_blank_back_page(printed):
    *_, results = printed
    odd = 0
    for result in results.values():
        reader = PdfReader(result.pdf)
        for r in read_manifest(result.manifest):
            start, count, content = int(r["page_start"]), int(r["page_count"]), int(r["content_pages"])
            if content % 2:
                odd += 1
                assert count == content + 1
                blank = reader.pages[start - 1 + content]
                assert blank.get("/Contents") is None and blank.extract_text() == ""
            else:
                assert count == content
            assert reader.pages[start - 1].extract_text().strip()  # each letter starts with content
    assert odd > 0


def _qr_payload_matrix(page) -> tuple[int, bytes]:
    data = page.get_contents().get_data()
    m = re.search(rb"BI /IM true /W (\d+) /H (\d+) /BPC 1 /D \[1 0\] /F /AHx ID ([0-9a-f]+)> EI", data)
    assert m, "no QR code on the page"
    n = int(m.group(1))
    raw = bytes.fromhex(m.group(3).decode())
    per_row = (n + 7) // 8
    bits = bytearray()
    for r in range(n):
        row = int.from_bytes(raw[r * per_row:(r + 1) * per_row], "big") >> (per_row * 8 - n)
        bits += bytes((row >> (n - 1 - c)) & 1 for c in range(n))
    return n, bytes(bits)


def test_every_printed_page_carries_a_qr_code_with_letter_id_and_page(printed):
    *_, results = printed
    result = results["final_demand-zh-CN-registered"]
    reader = PdfReader(result.pdf)
    for r in read_manifest(result.manifest):
        content = int(r["content_pages"])
        for i in range(1, content + 1):
            n, bits = _qr_payload_matrix(reader.pages[int(r["page_start"]) - 2 + i])
            payload = f"{r['letter_id']}|{i}/{content}".encode()
            version = (n - 17) // 4
            # decoded modules equal ReportLab's own encoder for that payload
            assert bits == bytes(reference_matrix(payload, version)), (r["letter_id"], i)


def test_fast_qr_stamp_matches_reportlab_encoder():
    import random

    rng = random.Random(5)
    for version in range(1, 10):
        stamp = QRStamp(version)
        for n in (0, 1, stamp.max_payload // 2, stamp.max_payload):
            payload = bytes(rng.randrange(256) for _ in range(n))
            assert stamp.matrix(payload) == reference_matrix(payload, version)
    assert stamp_for(b"L20261127-0000001|1/2").version == 2


def test_incomplete_addresses_are_refused_not_printed(printed):
    _, _, bad, _, results = printed
    rejected = {r.letter_id: r.reason for res in results.values() for r in res.rejected}
    assert rejected["BAD-no-line1"] == "incomplete address: missing line1"
    assert rejected["BAD-no-city"] == "incomplete address: missing city"
    assert rejected["BAD-no-postal"] == "incomplete address: missing postal_code"
    printed_ids = {r["letter_id"] for res in results.values() for r in read_manifest(res.manifest)}
    assert not printed_ids & set(rejected)
    reader = PdfReader(results["formal_demand-zh-CN-standard"].pdf)
    text = "".join(p.extract_text() for p in reader.pages)
    for letter in bad:
        assert letter.loan_id not in text


def test_manifest_neutralises_spreadsheet_formulas_but_the_letter_prints_the_name(printed):
    _, _, _, tricky, results = printed
    rows = {r["letter_id"]: r for r in read_manifest(results["first_reminder-en-standard"].manifest)}
    a, b = (rows[t.letter_id] for t in tricky)
    assert a["recipient_name"] == "'=HYPERLINK(\"http://x\")"
    assert a["address_line1"] == "'+1 Main St" and a["address_line2"] == "'@Home"
    assert b["recipient_name"] == "'-Eve # | Smith"
    assert b["address_line1"] == "Tab Rd"  # whitespace (the tab) is normalised before printing
    reader = PdfReader(results["first_reminder-en-standard"].pdf)
    text = pages_text(reader, int(b["page_start"]), int(b["content_pages"]))
    assert "Dear -Eve # | Smith," in text  # data is text, never markup
    assert render_mod.safe_cell("\rx") == "'\rx" and render_mod.safe_cell("ok") == "ok"


def test_inserted_values_cannot_become_markup():
    assert escape_value("# heading") == "\\# heading"
    assert escape_value("a|b\nc") == "a\\|b c"
    assert escape_value("@to x") == "\\@to x"


def test_unprintable_characters_and_oversized_blocks_are_refused(tmp_path):
    emoji = replace(with_recipient(sample_letter("first_reminder", "zh-CN", seq=1), name="王😀"), letter_id="E1")
    long = replace(with_recipient(sample_letter("first_reminder", "en", seq=2),
                                  address_lines=("A" * 90,)), letter_id="E2")
    many = replace(with_recipient(sample_letter("first_reminder", "en", seq=3),
                                  address_lines=("1", "2", "3", "4", "5")), letter_id="E3")
    results = render_batches([emoji, long, many], tmp_path, progress=False, workers=1)
    reasons = {r.letter_id: r.reason for res in results.values() for r in res.rejected}
    assert reasons["E1"].startswith("characters the letter fonts cannot print: U+1F600")
    assert "too long for the envelope window" in reasons["E2"]
    assert "the window holds 6" in reasons["E3"]
    assert all(res.pdf is None for res in results.values())


def test_duplicates_and_mixed_batches(tmp_path):
    a = sample_letter("first_reminder", "zh-CN", seq=1)
    result = render_batch([a, a], tmp_path, "first_reminder-zh-CN-standard", progress=False, workers=1)
    assert result.letters == 1 and [r.reason for r in result.rejected] == ["duplicate letter_id in batch"]
    with pytest.raises(ValueError, match="group_batches"):
        render_batch([a, sample_letter("first_reminder", "en", seq=2)], tmp_path, "x", progress=False)
    groups = group_batches([sample_letter("final_demand", "en", "registered", seq=3), a])
    assert list(groups) == ["final_demand-en-registered", "first_reminder-zh-CN-standard"]


def test_money_and_dates_per_language():
    zh, en = Locale(LOCALE, "zh-CN"), Locale(LOCALE, "en")
    assert zh.money(Decimal("1234.5"), "CNY") == "¥1,234.50"
    assert en.money(Decimal("1234.5"), "CNY") == "CNY 1,234.50"
    assert zh.money(Decimal("-0.005"), "CNY") == "-¥0.01"  # half-up
    assert zh.date(AS_OF) == "2026年11月27日" and en.date(AS_OF) == "November 27, 2026"


def test_validation_period_end_rule():
    # Friday after Thanksgiving: receipt assumed Fri 4 Dec (5 business days), end 30 days later
    assert assumed_receipt(AS_OF) == date(2026, 12, 4)
    assert validation_period_end(AS_OF) == date(2027, 1, 3)
    # Independence Day 2026 is a Saturday, observed Friday 3 July: both skipped
    assert assumed_receipt(date(2026, 6, 30)) == date(2026, 7, 8)
    assert validation_period_end(date(2026, 6, 30)) == date(2026, 8, 7)
    # Christmas and New Year's Day (Mon 1 Jan 2029 observed) in the count
    assert assumed_receipt(date(2028, 12, 22)) == date(2029, 1, 2)


def test_letter_is_dated_with_the_business_date_not_the_wall_clock(tmp_path):
    old = date(2020, 1, 2)
    letter = sample_letter("validation_notice", "en", seq=5, as_of=old)
    result = render_batch([letter], tmp_path, "validation_notice-en-standard", progress=False, workers=1)
    text = PdfReader(result.pdf).pages[0].extract_text()
    assert "January 2, 2020" in text
    assert "by " + Locale(LOCALE, "en").date(validation_period_end(old)) in text  # Feb 8, 2020
    assert validation_period_end(old) == date(2020, 2, 8)


def test_parallel_parts_merge_into_one_valid_file(tmp_path, monkeypatch):
    monkeypatch.setattr(render_mod, "PART_MIN_LETTERS", 10)
    monkeypatch.setattr(render_mod, "PART_MAX_LETTERS", 25)
    letters = [sample_letter("final_demand", "zh-CN", "registered", seq=i) for i in range(1, 81)]
    result = render_batch(letters, tmp_path, "final_demand-zh-CN-registered", progress=False, workers=2)
    reader = PdfReader(result.pdf)
    rows = read_manifest(result.manifest)
    assert len(rows) == 80 and len(reader.pages) == result.pages == sum(int(r["page_count"]) for r in rows)
    last = rows[-1]
    text = pages_text(reader, int(last["page_start"]), int(last["content_pages"]))
    assert letters[-1].recipient.name in text and money(letters[-1]) in text
    # each part keeps its own subsets, and no two different subset objects share a name
    by_name = {}
    for page in reader.pages:
        for font in page.get("/Resources", {}).get("/Font", {}).values():
            by_name.setdefault(str(font.get_object()["/BaseFont"]), set()).add(font.idnum)
    assert len(by_name) > 3 and all(len(ids) == 1 for ids in by_name.values())


def test_preview_command(tmp_path, capsys):
    out = tmp_path / "p.pdf"
    assert letters_cli(["preview", "--template", "final_demand", "--language", "zh-CN", "--out", str(out)]) == 0
    reader = PdfReader(out)
    assert len(reader.pages) >= 1 and "最后催告函" in reader.pages[0].extract_text()
    assert str(out) in capsys.readouterr().out


def test_sample_mix_renders_without_refusals(tmp_path):
    results = render_batches(sample_letters(120, seed=3), tmp_path, progress=False, workers=1)
    assert sum(r.letters for r in results.values()) == 120
    assert not [r for res in results.values() for r in res.rejected]


def test_templates_run_sandboxed_with_strict_undefined():
    from jinja2.exceptions import SecurityError, UndefinedError

    from letters.templating import Templates

    env = Templates().env
    letter = sample_letter("first_reminder", "en", seq=1)
    with pytest.raises(SecurityError):
        env.from_string("{{ letter.__class__ }}").render(letter=letter)
    with pytest.raises(SecurityError):
        env.from_string("{{ letter.recipient.normalised.__globals__ }}").render(letter=letter)
    with pytest.raises(UndefinedError):
        env.from_string("{{ letter.no_such_field }}").render(letter=letter)
    assert env.from_string("{{ letter.recipient.name }}").render(letter=letter) == letter.recipient.name


def test_a_template_error_refuses_the_letter_with_the_reason(tmp_path):
    import shutil

    custom = tmp_path / "templates"
    shutil.copytree(TEMPLATE_DIR, custom)
    page = custom / "en" / "first_reminder.j2"
    page.write_text(page.read_text().replace("{{ letter.dpd }}", "{{ letter.extra.campaign }}"))
    letter = sample_letter("first_reminder", "en", seq=1)
    result = render_batch([letter], tmp_path / "out", "first_reminder-en-standard", progress=False, workers=1,
                          templates_dir=custom)
    assert result.pdf is None
    assert result.rejected[0].reason.startswith("template en/first_reminder:") and "campaign" in result.rejected[0].reason
    ok = replace(letter, extra={"campaign": "Q4"})
    result = render_batch([ok], tmp_path / "out", "first_reminder-en-standard", progress=False, workers=1,
                          templates_dir=custom)
    assert result.letters == 1 and "Q4" in PdfReader(result.pdf).pages[0].extract_text()


def test_a_rerun_gives_the_same_bytes(tmp_path):
    letters = [sample_letter("formal_demand", "en", seq=i) for i in range(1, 11)]
    first = render_batch(letters, tmp_path / "a", "formal_demand-en-standard", progress=False, workers=1)
    again = render_batch(letters, tmp_path / "b", "formal_demand-en-standard", progress=False, workers=1)
    for a, b in ((first.pdf, again.pdf), (first.manifest, again.manifest), (first.totals, again.totals)):
        assert a.name == b.name and a.read_bytes() == b.read_bytes(), a.name


def test_long_arrears_table_repeats_its_header_and_a_chinese_name_prints_in_english(tmp_path):
    from datetime import timedelta

    from letters import ArrearsItem

    base = sample_letter("final_demand", "zh-CN", seq=3)
    items = tuple(ArrearsItem(i, base.letter_date - timedelta(days=30 * (41 - i)), Decimal("100.00"),
                              Decimal("1.00"), Decimal("35.00")) for i in range(1, 41))
    result = render_batch([replace(base, arrears=items)], tmp_path, "final_demand-zh-CN-standard", progress=False,
                          workers=1)
    reader = PdfReader(result.pdf)
    assert result.pages == 2 and [p.extract_text().count("应还日期") for p in reader.pages] == [1, 1]
    assert "¥5,440.00" in reader.pages[1].extract_text()
    mixed = with_recipient(sample_letter("formal_demand", "en", seq=4), name="王伟 Wang Wei")
    result = render_batch([mixed], tmp_path, "formal_demand-en-standard", progress=False, workers=1)
    assert "Dear 王伟 Wang Wei," in PdfReader(result.pdf).pages[0].extract_text()


def test_the_parts_and_so_the_bytes_do_not_depend_on_the_cores(tmp_path, monkeypatch):
    monkeypatch.setattr(render_mod, "PART_MIN_LETTERS", 10)
    monkeypatch.setattr(render_mod, "PART_MAX_LETTERS", 25)
    letters = [sample_letter("formal_demand", "en", seq=i) for i in range(1, 61)]
    one = render_batch(letters, tmp_path / "one", "formal_demand-en-standard", progress=False, workers=1)
    pool = render_batch(letters, tmp_path / "pool", "formal_demand-en-standard", progress=False, workers=3)
    assert render_mod.part_size(60) < 60  # the night was cut into parts
    for a, b in ((one.pdf, pool.pdf), (one.manifest, pool.manifest), (one.totals, pool.totals)):
        assert a.read_bytes() == b.read_bytes(), a.name
