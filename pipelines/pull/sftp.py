"""Pull the night's extract from the lender's SFTP server: the dated folder (`remote_dir`, `{as_of}` =
YYYY-MM-DD) with every file and the lender's `_manifest.json`, which the lender writes last.

- The server must present the pinned `host_key` before any credential is sent; another key (or none of
  the pinned type) refuses the connection with one line and nothing is loaded.
- Files download into the hidden staging folder; a dropped connection is retried with backoff and a
  partial file resumes where it stopped (a resumed file that then fails its checksum is fetched again
  whole). A later `arrears pull` resumes what a killed one left.
- Every file is verified against the lender's manifest (sha256, rows, sums, encoding, columns: the
  checks ingest makes) before the folder, manifest included, is moved into the landing zone.

The connection (host, port, login, password or key in its extras) is an Airflow connection of the SFTP
provider's type; the session is paramiko's (the library that provider uses), driven directly because the
pin is checked on the bare transport before authentication and a resumed file needs its byte offset.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import socket
import stat
import time
from datetime import date
from pathlib import Path
from typing import Iterator

import paramiko

from pipelines.errors import BatchBlocked, NotDelivered, SourcesError
from pipelines.ingest.extract import verified_files
from pipelines.landing import MANIFEST_NAME
from pipelines.pull import state
from pipelines.pull.connection import airflow_connection, describe, masked, secrets_of
from pipelines.pull.folder import Staging
from pipelines.pull.sources import Sources

ATTEMPTS = 5                 # connections tried before the night is given up (the partial files are kept)
BACKOFF_SECONDS = 2.0        # first wait after a dropped connection; doubles each time
TIMEOUT_SECONDS = 30         # connect, banner, authentication and each read
CHUNK_BYTES = 1 << 16
KEY_TYPES = {"ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]}


class Refused(Exception):
    """Not transient: the server is not the pinned one, or it refused our credentials."""


class NotYet(Refused):
    """The lender's folder or its manifest is not on the server yet."""


def pinned_key(text: str) -> tuple[str, str]:
    """(key type, base64 blob) from "ssh-ed25519 AAAA... [comment]" or a known_hosts line."""
    tokens = text.split()
    for i, token in enumerate(tokens[:-1]):
        if token.startswith(("ssh-", "ecdsa-", "sk-")):
            try:
                base64.b64decode(tokens[i + 1], validate=True)
            except ValueError:
                break
            return token, tokens[i + 1]
    raise SourcesError(f"sftp.host_key: {text[:40]!r}... is not an SSH public key ('ssh-ed25519 AAAA...')")


def fingerprint(blob_b64: str) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(base64.b64decode(blob_b64)).digest()).decode().rstrip("=")


@contextlib.contextmanager
def session(conn, host_key: str) -> Iterator[paramiko.SFTPClient]:
    """An SFTP session with the server proven to hold the pinned key before we authenticate."""
    key_type, blob = pinned_key(host_key)
    where = describe(conn)
    sock = socket.create_connection((conn.host or "localhost", int(conn.port or 22)), timeout=TIMEOUT_SECONDS)
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = transport.auth_timeout = TIMEOUT_SECONDS
        transport.get_security_options().key_types = KEY_TYPES.get(key_type, [key_type])
        try:
            transport.start_client(timeout=TIMEOUT_SECONDS)
        except paramiko.SSHException as exc:
            if "host key" in str(exc).lower():
                raise Refused(f"sftp {where}: the server offers no {key_type} host key; the pinned host_key "
                              f"({fingerprint(blob)}) cannot be checked, refusing to connect") from None
            raise
        offered = transport.get_remote_server_key()
        if offered.get_base64() != blob:
            raise Refused(f"sftp {where}: unknown host key {offered.get_name()} {fingerprint(offered.get_base64())}, "
                          f"not the pinned {fingerprint(blob)}; refusing to connect")
        _authenticate(transport, conn, where)
        sftp = paramiko.SFTPClient.from_transport(transport)
        sftp.get_channel().settimeout(TIMEOUT_SECONDS)
        yield sftp
    finally:
        transport.close()


def _authenticate(transport: paramiko.Transport, conn, where: str) -> None:
    extra = conn.extra_dejson
    try:
        if extra.get("key_file") or extra.get("private_key"):
            key = (paramiko.PKey.from_path(extra["key_file"], passphrase=extra.get("private_key_passphrase"))
                   if extra.get("key_file") else paramiko.PKey.from_private_key(
                       io.StringIO(extra["private_key"]), extra.get("private_key_passphrase")))
            transport.auth_publickey(conn.login, key)
        else:
            transport.auth_password(conn.login, conn.password or "")
    except paramiko.AuthenticationException:
        raise Refused(f"sftp {where}: authentication failed for user {conn.login!r} "
                      "(check the connection's password or key)") from None


def pull_sftp(sources: Sources, as_of: date, landing: Path, warehouse: Path) -> dict:
    conn = airflow_connection(sources.connection)
    secrets = secrets_of(conn)
    remote = sources.remote_dir.replace("{as_of}", as_of.isoformat()).rstrip("/")
    where = f"sftp {describe(conn)}:{remote}"
    staging = Staging(landing, as_of)
    pinned_key(sources.host_key)
    try:
        manifest = _download_with_retries(conn, sources, remote, staging.keep(), where, refetch=())
        mismatched = _checksum_mismatches(staging.folder, manifest)
        if mismatched:   # a partial file resumed from a different delivery: fetch those again, whole
            manifest = _download_with_retries(conn, sources, remote, staging.folder, where, refetch=mismatched)
        try:
            declared = json.loads(manifest.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise Refused(f"{where}/{MANIFEST_NAME}: not valid JSON ({exc})") from None
        if not isinstance(declared, dict):
            raise Refused(f"{where}/{MANIFEST_NAME}: not a JSON object")
        try:
            files = {f.path.name: f.rows for f in verified_files(staging.root, as_of, declared)}
        except BatchBlocked as exc:
            raise Refused(f"{where}: {exc}".replace(str(staging.folder) + "/", "")) from None
    except Refused as exc:
        staging.discard()
        raise (NotDelivered if isinstance(exc, NotYet) else BatchBlocked)(masked(str(exc), secrets)) from None
    (staging.folder / MANIFEST_NAME).write_bytes(manifest)   # the lender's manifest, last, then into place
    target = staging.publish()
    state.record(warehouse, sources.name, as_of, None, None, files)
    return {"source": sources.name, "folder": str(target), "remote_dir": remote, "files": files}


def _download_with_retries(conn, sources: Sources, remote: str, folder: Path, where: str, refetch) -> bytes:
    secrets = secrets_of(conn)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with session(conn, sources.host_key) as sftp:
                return _download(sftp, remote, folder, where, refetch)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            if attempt == ATTEMPTS:
                raise BatchBlocked(masked(f"{where}: connection failed {ATTEMPTS} times, last: "
                                          f"{exc or type(exc).__name__} (partial files kept; the next pull resumes)",
                                          secrets)) from None
            time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def _download(sftp: paramiko.SFTPClient, remote: str, folder: Path, where: str, refetch) -> bytes:
    """Every regular file of the remote folder into `folder` (resuming partial ones); returns the
    lender's manifest, read first so that files written after it are not mixed in."""
    try:
        entries = {e.filename: e for e in sftp.listdir_attr(remote) if stat.S_ISREG(e.st_mode or 0)}
    except FileNotFoundError:
        raise NotYet(f"{where}: no such folder on the server (no extract for this date yet)") from None
    if MANIFEST_NAME not in entries:
        raise NotYet(f"{where}: {MANIFEST_NAME} not there yet (the lender writes it last)")
    with sftp.open(f"{remote}/{MANIFEST_NAME}", "rb") as fh:
        manifest = fh.read()
    for name, entry in sorted(entries.items()):
        if name == MANIFEST_NAME:
            continue
        local = folder / name
        have = local.stat().st_size if local.exists() and name not in refetch else 0
        size = entry.st_size or 0
        if have > size:
            have = 0
        if have == size and local.exists():
            continue
        with sftp.open(f"{remote}/{name}", "rb") as src, local.open("r+b" if have else "wb") as out:
            out.seek(have)
            out.truncate()
            src.seek(have)
            src.prefetch(size - have)
            while chunk := src.read(CHUNK_BYTES):
                out.write(chunk)
    return manifest


def _checksum_mismatches(folder: Path, manifest: bytes) -> tuple[str, ...]:
    try:
        files = json.loads(manifest.decode("utf-8-sig")).get("files") or {}
    except (ValueError, AttributeError):
        return ()
    bad = []
    for name, declared in files.items():
        path = folder / name
        if path.exists() and declared.get("sha256"):
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            if digest.hexdigest() != str(declared["sha256"]).lower():
                bad.append(name)
    return tuple(bad)
