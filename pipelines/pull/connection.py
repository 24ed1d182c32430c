"""Connections the Airflow way: the sources file names an Airflow connection id; its URI or JSON comes
from AIRFLOW_CONN_<ID> or Airflow's connection store, or else from ARREARS_SOURCE_URL. Secrets never
reach a log line: `masked()` blanks them out of any message."""
from __future__ import annotations

import os
from urllib.parse import quote, unquote, urlsplit

from pipelines.errors import SourcesError

SOURCE_URL_ENV = "ARREARS_SOURCE_URL"


def env_name(conn_id: str) -> str:
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def airflow_connection(conn_id: str | None):
    """The connection as an `airflow.sdk.Connection`: AIRFLOW_CONN_<ID>, then ARREARS_SOURCE_URL, then
    Airflow's connection store (inside a task, or wherever Airflow can reach its metadata)."""
    from airflow.sdk import Connection

    value = os.environ.get(env_name(conn_id)) if conn_id else None
    if not value and os.environ.get(SOURCE_URL_ENV):
        return Connection.from_uri(os.environ[SOURCE_URL_ENV], conn_id=conn_id or "arrears_source")
    if value:
        text = value.strip()
        return (Connection.from_json(text, conn_id=conn_id) if text.startswith("{")
                else Connection.from_uri(text, conn_id=conn_id))
    if conn_id:
        try:
            return Connection.get(conn_id)
        except Exception:  # not in the store, or no Airflow to ask (a plain `arrears pull`)
            pass
    raise SourcesError(
        f"no connection {conn_id!r}: set {env_name(conn_id)} or add it to Airflow's connections, or set "
        f"{SOURCE_URL_ENV}" if conn_id else f"no connection: name one in the sources file or set {SOURCE_URL_ENV}")


def secrets_of(conn) -> list[str]:
    """Every spelling of the connection's secrets that could show up in a message."""
    found = []
    for value in (conn.password, *(conn.extra_dejson.get(k) for k in ("private_key", "private_key_passphrase"))):
        if value:
            found += [str(value), unquote(str(value)), quote(str(value), safe="")]
    url = os.environ.get(SOURCE_URL_ENV)
    if url and urlsplit(url).password:
        found += [urlsplit(url).password, unquote(urlsplit(url).password)]
    return sorted(set(found), key=len, reverse=True)


def masked(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


def describe(conn) -> str:
    """user@host:port/db for messages (never the password)."""
    where = f"{conn.host or 'localhost'}" + (f":{conn.port}" if conn.port else "")
    return (f"{conn.login}@" if conn.login else "") + where + (f"/{conn.schema}" if conn.schema else "")
