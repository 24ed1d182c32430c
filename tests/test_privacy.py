"""Privacy on a real night: marker values in every personal field, payloads in names.

One `arrears run` subprocess on a three-customer book that sends a letter, an SMS, an e-mail and
calls. Then: nothing the night created is open to others; no marker appears unmasked outside the
files whose purpose is to carry it (the operational batches and letters) — not in the logs, the
Data Docs, the steward report, the KPI report or workbook; Data Docs load nothing from the network;
names carrying spreadsheet formulas, Jinja and HTML come out inert.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.extracts import agent, customer, installment, loan, write_extract

pytestmark = pytest.mark.slow
DAY = date(2026, 3, 20)
PAYLOAD_NAME = "=SUM(A1) {{ 7*7 }}{% raw %}<script>x</script>"
MARKERS = {  # what must not appear outside the operational files: each marker value and telling parts of it
    "national_id": ["110105199001017777", "1101051990010177", "0101990010177"],
    "phone": ["+8613812345678", "13812345678", "1381234", "8123456"],
    "email": ["marker.person@example.com", "marker.person"],
    "full_name": ["Zed Markerson", "Markerson"],
    "address_line1": ["77 Markerlane Road", "Markerlane"],
}
# Files whose purpose is to carry personal data to the people who act on it.
OPERATIONAL = re.compile(r"^(sms\.csv|emails\.jsonl|call_list\.csv|skip_trace\.csv|referrals\.csv|field_visits\.csv"
                         r"|letters/.*|evidence/.*)$")


def _book() -> dict[str, list[dict]]:
    people = [
        customer("C1", full_name=PAYLOAD_NAME, preferred_language="en"),
        customer("C2", full_name="Zed Markerson", national_id="110105199001017777", phone="+8613812345678",
                 email="marker.person@example.com", address_line1="77 Markerlane Road", preferred_language="en"),
        customer("C3", full_name="<b>Bold</b> {{ config }}", phone="+86 138-0013-8003", email="BAD@@example..com"),
    ]
    due = {"L1": "2026-03-10", "L2": "2026-03-13", "L3": "2026-03-18"}  # DPD 10 (letter), 7 (SMS), 2 (e-mail)
    loans = [loan(f"L{i}", f"C{i}", disbursed_on="2026-02-01", maturity_date=due[f"L{i}"]) for i in (1, 2, 3)]
    return {"customers": people, "loans": loans,
            "installments": [installment(f"L{i}", 1, due[f"L{i}"], "3000.00", "30.00") for i in (1, 2, 3)],
            "agents": [agent("AG1"), agent("AG2", full_name="Mary Smith", languages="en")]}


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    landing, warehouse, out = root / "landing", root / "warehouse" / "arrears.duckdb", root / "outbox"
    write_extract(landing, DAY, _book())
    env = os.environ | {"PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--as-of", str(DAY), "--landing", str(landing),
                           "--warehouse", str(warehouse), "--out", str(out)],
                          capture_output=True, text=True, env=env, cwd=root, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"root": root, "out": out, "warehouse": warehouse, "batch": out / str(DAY),
            "docs": warehouse.parent / "data_docs" / str(DAY), "log": done.stdout + done.stderr}


def _texts(folder: Path) -> dict[str, str]:
    """Every file under `folder` as text (workbooks: their XML parts)."""
    texts = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                texts[name] = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        elif path.suffix in (".html", ".csv", ".jsonl", ".json", ".txt", ".css", ".xml"):
            texts[name] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def test_everything_the_night_created_is_closed_to_others(night):
    loose = []
    for top in (night["out"], night["warehouse"].parent, night["root"] / f".{night['out'].name}.staging"):
        for path in [top, *top.rglob("*")] if top.exists() else []:
            mode = path.lstat().st_mode
            if not stat.S_ISLNK(mode) and mode & 0o007:
                loose.append(f"{path}: {stat.filemode(mode)}")
    assert not loose, loose[:10]
    assert stat.S_IMODE(night["batch"].stat().st_mode) == 0o750
    assert stat.S_IMODE((night["batch"] / "_batch.json").stat().st_mode) == 0o640
    assert stat.S_IMODE(night["warehouse"].stat().st_mode) == 0o640


def test_no_marker_outside_the_operational_files(night):
    places = {f"outbox/{k}": v for k, v in _texts(night["batch"]).items() if not OPERATIONAL.match(k)}
    places |= {f"outbox/{k}": v for k, v in _texts(night["out"]).items() if "/" not in k}  # stable report copies
    places |= {f"data_docs/{k}": v for k, v in _texts(night["docs"]).items()}
    places["log"] = night["log"]
    assert any(k.endswith("index.html") for k in places) and "outbox/data_quality_report.html" in places
    leaks = [f"{where}: {field} {value!r}" for where, text in places.items()
             for field, values in MARKERS.items() for value in values if value in text]
    assert not leaks, leaks
    operational = _texts(night["batch"])
    assert any("13812345678" in operational[k] for k in operational if OPERATIONAL.match(k)), \
        "the marker customer was contacted (the operational files do carry it)"


def test_data_docs_load_nothing_from_the_network(night):
    external = re.compile(r"""(?:src|href|srcset|action|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""",
                          re.I)
    pages = _texts(night["docs"])
    assert len([p for p in pages if p.endswith(".html")]) > 5
    found = {name: external.findall(text)[:3] for name, text in pages.items() if external.search(text)}
    assert not found, found
    index = pages["index.html"]
    assert index.count("<tr>") > 5 and "expectations/" in index, "the results list is rendered without JavaScript"


def test_the_steward_reports_link_to_data_docs_resolves(night):
    report = (night["batch"] / "data_quality_report.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]*index\.html)"', report)
    assert links and all(link.startswith("file://") for link in links)
    assert all(Path(link.removeprefix("file://")).exists() for link in links)


def test_payloads_in_names_come_out_inert(night):
    batch = night["batch"]
    texts = _texts(batch)
    for name, text in texts.items():
        if name.endswith(".csv"):
            for row in csv.reader(io.StringIO(text)):
                for cell in row:
                    assert not cell or not (cell[:1] in ("=", "@", "\t", "\r") or (cell[:1] in "+-" and not
                                re.fullmatch(r"[+-][0-9.]+", cell))), f"{name}: live cell {cell!r}"
    for name in ("kpi_report.html", "data_quality_report.html"):
        assert "<script>x</script>" not in texts[name]
    for line in texts.get("emails.jsonl", "").splitlines():
        message = json.loads(line)
        assert "<script>" not in message["html"] and "<b>Bold</b>" not in message["html"]
    everything = "\n".join(texts.values())
    assert "{{ 7*7 }}" in everything and "49" not in everything.replace("{{ 7*7 }}", "").split("SUM(A1)")[-1][:20]
    letters = [k for k in texts if k.startswith("letters/") and k.endswith(".manifest.csv")]
    assert letters, "the payload customer got a letter"
    printed = [row for k in letters for row in csv.DictReader(io.StringIO(texts[k])) if row["customer_id"] == "C1"]
    assert printed, "the payload customer's letter was printed, not refused"
    assert any("'=SUM(A1) {{ 7*7 }}{% raw %}<script>x</script>" in cell for cell in printed[0].values()), printed[0]
    from pypdf import PdfReader
    pdf = "".join(page.extract_text() for k in texts if k.endswith(".manifest.csv")
                  for page in PdfReader(batch / k.replace(".manifest.csv", ".pdf")).pages)
    assert "{{ 7*7 }}" in pdf and "SUM(A1)" in pdf, "the template syntax in the name is printed as text"


# Personal fields each marts table may carry, and the consumer that needs them. Anything else personal
# (names, national ids, birth dates, phones, e-mails, addresses) stays in staging and the quality schema.
MARTS_PERSONAL_ALLOW = {
    "contact_log": {"destination": "the outbox writers: the phone or e-mail a message goes to"},
    # per night, only the people that night's files name: what the messages, call list, letters and skip trace print
    "contact_recipients": {
        "full_name": "sms.csv / emails.jsonl greeting, call_list.csv, skip_trace.csv, letters",
        "address_line1": "letters, skip_trace.csv", "address_line2": "letters", "postal_code": "letters, skip_trace.csv",
        "phone_as_delivered": "skip_trace.csv: the number on file that cannot be used",
        "email": "skip_trace.csv: the e-mail on file", "alternate_phones": "call_list.csv: the person's other numbers"},
    # field_visits.csv: where the field agent goes and whom to ask for
    "field_visits": {c: "field_visits.csv for the field agent's day" for c in (
        "full_name", "address_line1", "address_line2", "postal_code", "phone")},
    "agent_performance": {"agent_name": "the KPI report's agent league table (employees, not debtors)"},
    # referrals.csv: what the agency or lawyer holding a placed account needs to work it
    **{"placement_handover": {c: "referrals.csv for the account's holder" for c in (
        "full_name", "address_line1", "address_line2", "postal_code", "phone", "alternate_phones", "email")}},
    # evidence/<loan>.zip loan.json: the debtor of a legal referral, the whole record as held that night (a court
    # filing names the person by national id and birth date); the mart holds only that night's referred debtors
    "legal_case_debtors": {c: "evidence/<loan>.zip loan.json for the lawyer" for c in (
        "full_name", "national_id", "date_of_birth", "phone", "email", "address_line1", "address_line2",
        "postal_code", "phone_is_valid", "email_is_valid")},
}
PERSONAL_COLUMN = re.compile(r"name|national_id|birth|phone|e_?mail|address|postal|destination|^to$", re.I)


def test_marts_carry_only_the_personal_fields_their_consumers_need(night):
    from pipelines.warehouse import reader

    with reader(night["warehouse"]) as con:
        columns = con.execute("select table_name, column_name, data_type from information_schema.columns "
                              "where table_schema = 'marts'").fetchall()
        personal = {(t, c) for t, c, _ in columns if PERSONAL_COLUMN.search(c)}
        allowed = {(t, c) for t, cs in MARTS_PERSONAL_ALLOW.items() for c in cs}
        assert personal <= allowed, f"personal columns not on the allow-list: {sorted(personal - allowed)}"
        found = []  # and no marker value hides in another column
        for table, column, kind in columns:
            if kind != "VARCHAR" or (table, column) in allowed:
                continue
            for values in MARKERS.values():
                hit = con.execute(f'select count(*) from marts."{table}" where contains("{column}", ?)',
                                  [values[0]]).fetchone()[0]
                if hit:
                    found.append(f"{table}.{column}: {values[0]}")
        assert not found, found


def _exposures() -> list[dict]:
    import yaml

    found = []
    for path in sorted((REPO / "dbt_project" / "models").rglob("*.yml")):
        found += (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("exposures") or []
    return found


def test_every_published_file_has_an_exposure_and_personal_marts_feed_one(night):
    """Each file of the real batch (its _batch.json listing, and the listing itself) is some dbt
    exposure's file; each mart allowed personal columns is read for a published file (an exposure
    depends on it). Which tables the code behind each exposure reads: tests/test_dbt_structure.py."""
    from fnmatch import fnmatch

    exposures = _exposures()
    listing = json.loads((night["batch"] / "_batch.json").read_text(encoding="utf-8"))
    files = [*listing["counts"], "_batch.json"]
    assert {"sms.csv", "emails.jsonl", "call_list.csv", "kpi_report.html"} <= set(files)
    assert any(f.startswith("letters/") for f in files)
    orphans = [f for f in files if not any(fnmatch(f, pattern) for e in exposures
                                           for pattern in e.get("meta", {}).get("files", []))]
    assert not orphans, f"published files without a dbt exposure: {orphans}"
    read = {ref for e in exposures for ref in e["depends_on"]}
    unread = [mart for mart in MARTS_PERSONAL_ALLOW if f"ref('{mart}')" not in read]
    assert not unread, f"marts allowed personal columns that no published file reads: {unread}"
