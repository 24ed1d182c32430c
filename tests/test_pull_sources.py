"""The sources file, the event window and the landing text of pulled values (no servers needed)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pipelines.errors import SourcesError
from pipelines.pull import load_sources, sources_path
from pipelines.pull.folder import cell
from pipelines.pull.sftp import pinned_key
from pipelines.pull.sources import parse_duration
from pipelines.pull.sql import FIRST_SINCE, window
from tests.core_banking import EXAMPLE

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("text, expected", [("2 days", timedelta(days=2)), ("36 hours", timedelta(hours=36)),
                                            ("1 day 12 hours", timedelta(hours=36)), ("90 minutes", timedelta(minutes=90)),
                                            ("48h", timedelta(hours=48)), ("1 week", timedelta(days=7))])
def test_overlap_durations(text, expected):
    assert parse_duration(text, "x") == expected


@pytest.mark.parametrize("text", ["two days", "2", "2 fortnights", ""])
def test_bad_overlap_is_refused(text):
    with pytest.raises(SourcesError, match="is not a duration"):
        parse_duration(text, "sources.yaml: sql.event_overlap")


def test_the_example_sources_file_loads():
    sources = load_sources(EXAMPLE / "sources.yaml")
    assert sources.source == "sql" and sources.pulls and sources.name == "sql:core_banking"
    assert sources.queries == EXAMPLE / "extract_sql" and sources.event_overlap == timedelta(days=2)


def test_no_sources_file_is_the_file_drop(monkeypatch):
    monkeypatch.delenv("ARREARS_SOURCES", raising=False)
    assert sources_path() is None and not load_sources(None).pulls
    monkeypatch.setenv("ARREARS_SOURCES", "/etc/lender.yaml")
    assert str(sources_path()) == "/etc/lender.yaml" and str(sources_path("other.yaml")).endswith("other.yaml")


@pytest.mark.parametrize("body, message", [
    ("source: ftp\n", "is not one of folder, sftp, sql"),
    ("source: sql\npassword: hunter2\n", "credentials never live in the sources file"),
    ("source: sql\ntimezone: Mars/Olympus\n", "is not an IANA time zone"),
    ("source: sql\nsql:\n  queries: ./nowhere\n", "is not a folder"),
])
def test_bad_sources_files_name_the_key(tmp_path, body, message):
    path = tmp_path / "sources.yaml"
    path.write_text(body)
    with pytest.raises(SourcesError, match=message):
        load_sources(path)


def test_every_landing_file_needs_its_query(tmp_path):
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "loans.sql").write_text("select 1")
    path = tmp_path / "sources.yaml"
    path.write_text("source: sql\nsql:\n  queries: ./q\n")
    with pytest.raises(SourcesError, match="missing customers.sql, installments.sql"):
        load_sources(path)


def test_window_is_half_open_from_the_last_until_minus_the_overlap():
    sources = load_sources(EXAMPLE / "sources.yaml")
    since, until = window(sources, date(2026, 11, 27), None)
    assert since == FIRST_SINCE and until == datetime(2026, 11, 28, tzinfo=SHANGHAI)
    previous = datetime(2026, 11, 26, 16, 0, tzinfo=timezone.utc)          # = 27 Nov 00:00 in Shanghai
    since, until = window(sources, date(2026, 11, 27), previous)
    assert since.isoformat() == "2026-11-25T00:00:00+08:00" and until.isoformat() == "2026-11-28T00:00:00+08:00"


@pytest.mark.parametrize("value, money, text", [
    (None, True, ""), (Decimal("1234.5000000000"), True, "1234.50"), (Decimal("12.345"), True, "12.345"),
    (1200, True, "1200.00"), (12.34, True, "12.34"), (Decimal("0.1200000000"), False, "0.12"),
    (Decimal("100"), False, "100"), (True, False, "true"), (date(2026, 1, 5), False, "2026-01-05"),
    (datetime(2026, 1, 5, 2, 3, tzinfo=timezone.utc), False, "2026-01-05T10:03:00+08:00"),
    (datetime(2026, 1, 5, 10, 3), False, "2026-01-05T10:03:00+08:00"), ("张伟", False, "张伟"),
])
def test_values_are_written_as_landing_text(value, money, text):
    assert cell(value, money, SHANGHAI) == text


def test_host_key_accepts_a_public_key_or_a_known_hosts_line():
    blob = "AAAAC3NzaC1lZDI1NTE5AAAAIH8sAAAA"
    assert pinned_key(f"ssh-ed25519 {blob} lender@sftp") == ("ssh-ed25519", blob)
    assert pinned_key(f"[sftp.lender]:2222 ssh-ed25519 {blob}") == ("ssh-ed25519", blob)
    with pytest.raises(SourcesError):
        pinned_key("fingerprint-only")


def test_connection_from_airflow_env_uri_or_json_then_arrears_source_url(monkeypatch):
    from pipelines.pull.connection import airflow_connection, masked, secrets_of

    monkeypatch.delenv("ARREARS_SOURCE_URL", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_CORE_BANKING", "postgres://reader:s%40cret@db.lender:5432/core")
    conn = airflow_connection("core_banking")
    assert (conn.conn_type, conn.host, conn.port, conn.login, conn.password, conn.schema) == (
        "postgres", "db.lender", 5432, "reader", "s@cret", "core")
    assert masked("login s@cret and s%40cret refused", secrets_of(conn)) == "login *** and *** refused"
    monkeypatch.setenv("AIRFLOW_CONN_CORE_BANKING", '{"conn_type": "sftp", "host": "sftp.lender", "port": 2222, '
                                                    '"login": "collect", "password": "pw-123"}')
    assert airflow_connection("core_banking").port == 2222
    monkeypatch.delenv("AIRFLOW_CONN_CORE_BANKING")
    monkeypatch.setenv("ARREARS_SOURCE_URL", "postgresql://reader:x@127.0.0.1:6543/core")
    assert airflow_connection("core_banking").port == 6543
    assert airflow_connection(None).host == "127.0.0.1"
    monkeypatch.delenv("ARREARS_SOURCE_URL")
    with pytest.raises(SourcesError, match="set AIRFLOW_CONN_CORE_BANKING"):
        airflow_connection("core_banking")
