"""The sources file: where the night's extract comes from (file drop, SFTP server or SQL database).

YAML, path from `--sources` or ARREARS_SOURCES; without one the source is the file drop. Credentials
never live in it: `connection` names an Airflow connection (or ARREARS_SOURCE_URL holds the URL).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from pipelines.errors import SourcesError
from pipelines.landing import LANDING_FILES
from pipelines.settings import lender_timezone

KINDS = ("folder", "sftp", "sql")
DEFAULT_OVERLAP = "2 days"
CONTROL_TOTALS = "control_totals.sql"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "sec": "seconds", "second": "seconds", "m": "minutes", "min": "minutes",
          "minute": "minutes", "h": "hours", "hr": "hours", "hour": "hours", "d": "days", "day": "days",
          "w": "weeks", "week": "weeks"}


@dataclass(frozen=True)
class Sources:
    path: Path | None              # None: no sources file, the file drop
    source: str                    # folder | sftp | sql
    connection: str | None
    timezone: str
    currency: str | None
    queries: Path | None = None    # sql: folder with <table>.sql and optional control_totals.sql
    event_overlap: timedelta = timedelta(days=2)
    remote_dir: str | None = None  # sftp: "/outgoing/{as_of}"
    host_key: str | None = None    # sftp: pinned "ssh-ed25519 AAAA..."

    @property
    def pulls(self) -> bool:
        return self.source in ("sql", "sftp")

    @property
    def name(self) -> str:
        """The source's identity in raw.pull_state: its kind and connection."""
        return f"{self.source}:{self.connection or 'ARREARS_SOURCE_URL'}"

    def query_file(self, table: str) -> Path:
        return self.queries / f"{table}.sql"


FILE_DROP = Sources(path=None, source="folder", connection=None, timezone="", currency=None)


def parse_duration(text: str, where: str) -> timedelta:
    """"2 days", "36 hours", "90 minutes", "48h" (also "1 day 12 hours")."""
    total, parts = timedelta(), re.findall(r"\d+(?:\.\d+)?\s*[a-zA-Z]+", str(text))
    if not parts or "".join(parts).replace(" ", "") != str(text).replace(" ", ""):
        raise SourcesError(f"{where}: {text!r} is not a duration like '2 days' or '36 hours'")
    for part in parts:
        match = _DURATION.match(part)
        unit = _UNITS.get(match.group(2).lower()) if match else None
        if not unit:
            raise SourcesError(f"{where}: {text!r} is not a duration like '2 days' or '36 hours'")
        total += timedelta(**{unit: float(match.group(1))})
    return total


def load_sources(path: str | Path | None) -> Sources:
    """The validated sources file; FILE_DROP without one. Raises SourcesError naming the key."""
    if not path:
        return FILE_DROP
    path = Path(path).expanduser().absolute()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise SourcesError(f"{path}: cannot read the sources file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise SourcesError(f"{path}: expected a mapping with `source:`")
    source = str(data.get("source") or "folder")
    if source not in KINDS:
        raise SourcesError(f"{path}: source: {source!r} is not one of {', '.join(KINDS)}")
    timezone = str(data.get("timezone") or lender_timezone())
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SourcesError(f"{path}: timezone: {timezone!r} is not an IANA time zone") from None
    for secret in ("password", "url", "uri"):
        if secret in data:
            raise SourcesError(f"{path}: {secret}: credentials never live in the sources file; "
                               "use an Airflow connection or ARREARS_SOURCE_URL")
    common = dict(path=path, source=source, connection=data.get("connection") or None, timezone=timezone,
                  currency=data.get("currency"))
    if source == "sql":
        return Sources(**common, **_sql_section(path, data.get("sql") or {}))
    if source == "sftp":
        return Sources(**common, **_sftp_section(path, data.get("sftp") or {}))
    return Sources(**common)


def _sql_section(path: Path, section: dict) -> dict:
    given = Path(str(section.get("queries") or "extract_sql")).expanduser()
    queries = (path.parent / given).resolve()          # relative to the sources file ...
    if not queries.is_dir() and given.resolve().is_dir():
        queries = given.resolve()                      # ... or else to the working directory
    if not queries.is_dir():
        raise SourcesError(f"{path}: sql.queries: {queries} is not a folder")
    missing = [f"{name}.sql" for name in LANDING_FILES if not (queries / f"{name}.sql").exists()]
    if missing:
        raise SourcesError(f"{queries}: one SELECT per landing table; missing {', '.join(missing)}")
    overlap = parse_duration(section.get("event_overlap", DEFAULT_OVERLAP), f"{path}: sql.event_overlap")
    return {"queries": queries, "event_overlap": overlap}


def _sftp_section(path: Path, section: dict) -> dict:
    remote_dir, host_key = section.get("remote_dir"), section.get("host_key")
    if not remote_dir:
        raise SourcesError(f"{path}: sftp.remote_dir is required (e.g. /outgoing/{{as_of}})")
    if not host_key or len(str(host_key).split()) < 2:
        raise SourcesError(f"{path}: sftp.host_key must pin the server's key ('ssh-ed25519 AAAA...'); "
                           "an unpinned server is never trusted")
    return {"remote_dir": str(remote_dir), "host_key": str(host_key)}
