"""`arrears pull` from a real SFTP server (asyncssh, in-process on 127.0.0.1) holding the lender's dated
folders: pinned host key, password from the connection, resume after a dropped line, the lender's
manifest verified before the landing folder gets one."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from pipelines import nightly
from pipelines.cli import EXIT_BLOCKED, main
from pipelines.generate.generator import generate
from pipelines.landing import MANIFEST_NAME
from pipelines.pull import sftp as sftp_pull
from pipelines.warehouse import reader
from tests.conftest import REPO
from tests.servers import SftpServer

DAY = date(2026, 3, 1)


@pytest.fixture(scope="module")
def delivered(tmp_path_factory) -> Path:
    """The lender's extract of DAY, as the generator writes it (files and _manifest.json)."""
    landing = tmp_path_factory.mktemp("generated")
    generate(landing, start=DAY, days=1, loans=600, seed=3)
    return landing / str(DAY)


@pytest.fixture
def server(tmp_path, delivered, monkeypatch):
    root = tmp_path / "sftp_root"
    shutil.copytree(delivered, root / "outgoing" / str(DAY))
    server = SftpServer(root).start()
    monkeypatch.setenv("AIRFLOW_CONN_LENDER_SFTP", server.url())
    monkeypatch.delenv("ARREARS_SOURCE_URL", raising=False)
    monkeypatch.setattr(sftp_pull, "BACKOFF_SECONDS", 0.2)
    yield server
    server.stop()


def _sources(tmp_path: Path, host_key: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text("source: sftp\nconnection: lender_sftp\ntimezone: Asia/Shanghai\ncurrency: CNY\n"
                    f"sftp:\n  remote_dir: /outgoing/{{as_of}}\n  host_key: \"{host_key}\"\n", encoding="utf-8")
    return path


def _pull(paths, sources: Path) -> int:
    return main(["pull", "--as-of", str(DAY), "--sources", str(sources), "--landing", str(paths.landing),
                 "--warehouse", str(paths.warehouse)])


def _nothing_loaded(paths) -> bool:
    return not list(paths.landing.rglob("*")) if paths.landing.exists() else True


def test_sftp_pull_lands_the_lenders_folder_verified(server, delivered, paths, tmp_path):
    assert _pull(paths, _sources(tmp_path, server.public_key)) == 0
    landed = paths.landing / str(DAY)
    assert sorted(p.name for p in landed.iterdir()) == sorted(p.name for p in delivered.iterdir())
    for path in delivered.iterdir():
        assert (landed / path.name).read_bytes() == path.read_bytes(), path.name
    assert not (paths.landing / f".{DAY}.pull").exists()
    result = nightly.ingest_step(DAY, paths, "run-1")
    declared = json.loads((delivered / MANIFEST_NAME).read_text())["files"]
    assert result["files"]["loans.csv"] == declared["loans.csv"]["rows"] > 100
    with reader(paths.warehouse) as con:
        assert con.execute("select source, as_of_date from raw.pull_state").fetchall() == [("sftp:lender_sftp", DAY)]


def test_dropped_connection_resumes_the_partial_file(server, delivered, paths, tmp_path):
    size = (delivered / "installments.csv").stat().st_size
    assert size > 320 * 1024
    server.drop_after_bytes = 256 * 1024
    assert _pull(paths, _sources(tmp_path, server.public_key)) == 0
    assert (paths.landing / str(DAY) / "installments.csv").read_bytes() == (delivered / "installments.csv").read_bytes()
    assert server.drop_after_bytes is None, "the line was dropped once"
    dropped_file = next(name for name, offset in server.reads if offset >= 256 * 1024)
    starts = [offset for name, offset in server.reads if name == dropped_file]
    assert starts.count(0) == 1, "the file was resumed, not fetched again from its start"
    assert len({n for n, _ in server.reads if n != MANIFEST_NAME}) >= 7


def test_unknown_host_key_is_refused_with_one_line_before_any_password(server, paths, tmp_path, capsys):
    import asyncssh

    impostor = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode()
    assert _pull(paths, _sources(tmp_path, impostor)) == EXIT_BLOCKED
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown host key ssh-ed25519 SHA256:" in err and "refusing to connect" in err
    assert server.auth_attempts == 0, "no credential was sent to the unproven server"
    assert _nothing_loaded(paths) and not paths.warehouse.exists()


def test_bad_password_fails_with_one_line_and_loads_nothing(server, paths, tmp_path, capsys, monkeypatch):
    wrong = "not-the-Pa55word"
    monkeypatch.setenv("AIRFLOW_CONN_LENDER_SFTP", server.url(password=wrong))
    assert _pull(paths, _sources(tmp_path, server.public_key)) == EXIT_BLOCKED
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "authentication failed for user 'lender'" in err
    assert wrong not in err and server.password not in err
    assert _nothing_loaded(paths) and not paths.warehouse.exists()


def test_file_not_matching_the_lenders_manifest_blocks_and_lands_no_manifest(server, paths, tmp_path, capsys):
    payments = server.root / "outgoing" / str(DAY) / "payments.csv"
    payments.write_bytes(payments.read_bytes()[:-40])
    assert _pull(paths, _sources(tmp_path, server.public_key)) == EXIT_BLOCKED
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "payments.csv: sha256 does not match _manifest.json" in err
    assert not list(paths.landing.rglob(MANIFEST_NAME))


def test_folder_without_the_lenders_manifest_is_not_pulled(server, paths, tmp_path, capsys):
    (server.root / "outgoing" / str(DAY) / MANIFEST_NAME).unlink()
    assert _pull(paths, _sources(tmp_path, server.public_key)) == EXIT_BLOCKED
    assert "_manifest.json not there yet" in capsys.readouterr().err
    assert not (paths.landing / str(DAY)).exists()
    waiting = nightly.pull_step(DAY, paths, sources=str(_sources(tmp_path, server.public_key)), wait=True)
    assert waiting["ready"] is False and "not there yet" in waiting["waiting"]   # the DAG's sensor pokes again


def test_sources_file_must_pin_a_host_key(tmp_path, paths, capsys):
    path = tmp_path / "sources.yaml"
    path.write_text("source: sftp\nconnection: lender_sftp\nsftp:\n  remote_dir: /outgoing/{as_of}\n")
    assert _pull(paths, path) == 64
    assert "sftp.host_key must pin the server's key" in capsys.readouterr().err




def test_pull_killed_halfway_leaves_no_manifest_and_the_next_pull_resumes(server, delivered, paths, tmp_path):
    """SIGKILL while installments.csv is half downloaded over a slow line: no landing folder; the next
    `arrears pull` continues that file from its partial size instead of from its start."""
    sources = _sources(tmp_path, server.public_key)
    server.read_delay = 0.2
    command = [str(Path(sys.executable).parent / "arrears"), "pull", "--as-of", str(DAY), "--sources", str(sources),
               "--landing", str(paths.landing), "--warehouse", str(paths.warehouse)]
    proc = subprocess.Popen(command, env=os.environ | {"PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    partial = paths.landing / f".{DAY}.pull" / str(DAY) / "installments.csv"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not (partial.exists() and partial.stat().st_size):
        time.sleep(0.02)
    assert partial.exists() and proc.poll() is None, "the pull never got halfway"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    kept = partial.stat().st_size
    assert 0 < kept < (delivered / "installments.csv").stat().st_size
    assert not (paths.landing / str(DAY)).exists() and not list(paths.landing.rglob(MANIFEST_NAME))
    server.read_delay = 0.0
    server.reads.clear()
    assert _pull(paths, sources) == 0
    assert (paths.landing / str(DAY) / "installments.csv").read_bytes() == (delivered / "installments.csv").read_bytes()
    assert min(offset for name, offset in server.reads if name == "installments.csv") >= kept
