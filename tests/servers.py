"""Real servers for tests, started on 127.0.0.1 on a free port and stopped afterwards.

`PostgresServer`: a throw-away PostgreSQL 15 cluster (initdb + pg_ctl from the machine's binaries).
initdb refuses to run as root, so as root the cluster belongs to the `postgres` user (`runuser`).
TCP logins use passwords (scram-sha-256), so a wrong password is refused as in production.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

PG_BIN_DIRS = [Path(os.environ["ARREARS_PG_BIN"])] if os.environ.get("ARREARS_PG_BIN") else [
    Path(f"/usr/lib/postgresql/{v}/bin") for v in (15, 16, 17)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin() -> Path | None:
    return next((d for d in PG_BIN_DIRS if (d / "initdb").exists() and (d / "pg_ctl").exists()), None)


class PostgresServer:
    superuser = "postgres"

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.password = secrets.token_urlsafe(12)
        self.base = Path(tempfile.mkdtemp(prefix="arrears-pg-"))
        self.data = self.base / "data"
        self.port = 0
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.base, "postgres", "postgres")

    def _run(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return subprocess.run([*prefix, *args], check=True, capture_output=True, text=True, cwd=self.base, **kwargs)

    def start(self) -> "PostgresServer":
        pwfile = self.base / "pw"
        pwfile.write_text(self.password + "\n")
        if self.as_postgres:
            shutil.chown(pwfile, "postgres", "postgres")
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", self.superuser, "-E", "UTF8",
                  "--no-locale", "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}")
        pwfile.unlink()
        for _ in range(5):   # the free port can be taken between choosing and binding: choose again
            self.port = free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off")
            try:
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-t", "60",
                          "-l", str(self.base / "server.log"), "start")
                return self
            except subprocess.CalledProcessError:
                continue
        raise RuntimeError(f"PostgreSQL did not start: {(self.base / 'server.log').read_text()[-2000:]}")

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run((["runuser", "-u", "postgres", "--"] if self.as_postgres else [])
                           + [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, cwd=self.base)
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str = "postgres", user: str | None = None, password: str | None = None,
            scheme: str = "postgresql") -> str:
        user = user or self.superuser
        password = self.password if password is None else password
        return f"{scheme}://{quote(user)}:{quote(password, safe='')}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "lender") -> str:
        import psycopg2

        name = f"{prefix}_{secrets.token_hex(4)}"
        con = psycopg2.connect(self.url())
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f'create database "{name}"')
        con.close()
        return name


class SftpServer:
    """An SFTP server (asyncssh, in-process on its own event loop thread) on 127.0.0.1, serving `root`
    to one user with a password. `drop_after_bytes` makes the server cut the connection once, after
    that many bytes of file data have been read (a dropped line), `read_delay` slows every read;
    `reads` records (file name, offset)."""

    def __init__(self, root: Path, user: str = "lender", login_secret: str | None = None):
        import asyncssh

        self.root, self.user = root, user
        self.password = str(login_secret or secrets.token_urlsafe(12))  # a fresh one per server
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.drop_after_bytes: int | None = None
        self.read_delay = 0.0          # seconds per read request: a slow line
        self.reads: list[tuple[str, int]] = []
        self.auth_attempts = 0
        self.port = 0
        self._loop = self._acceptor = self._thread = None

    @property
    def public_key(self) -> str:
        return self.host_key.export_public_key("openssh").decode().strip()

    def start(self) -> "SftpServer":
        import asyncio
        import threading

        import asyncssh

        server = self

        class Auth(asyncssh.SSHServer):
            def begin_auth(self, username):
                return True

            def password_auth_supported(self):
                return True

            def validate_password(self, username, password):
                server.auth_attempts += 1
                return username == server.user and password == server.password

        class Files(asyncssh.SFTPServer):
            def __init__(self, chan):
                super().__init__(chan, chroot=str(server.root).encode())

            def read(self, file_obj, offset, size):
                name = Path(os.fsdecode(getattr(file_obj, "name", b"?"))).name
                server.reads.append((name, offset))
                if server.read_delay:
                    time.sleep(server.read_delay)   # blocks this test server's loop: one client at a time
                if server.drop_after_bytes is not None and offset >= server.drop_after_bytes:
                    server.drop_after_bytes = None
                    self.connection.abort()
                    raise asyncssh.SFTPConnectionLost("dropped")
                return super().read(file_obj, offset, size)

        self._loop = asyncio.new_event_loop()
        started = threading.Event()

        async def listen():
            self._acceptor = await asyncssh.listen("127.0.0.1", 0, server_host_keys=[self.host_key],
                                                   server_factory=Auth, sftp_factory=Files)
            self.port = self._acceptor.sockets[0].getsockname()[1]
            started.set()

        def run():
            asyncio.set_event_loop(self._loop)
            self._loop.create_task(listen())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not started.wait(30):
            raise RuntimeError("SFTP server did not start")
        return self

    def stop(self) -> None:
        import asyncio

        async def close():
            self._acceptor.close()
            await self._acceptor.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def url(self, password: str | None = None) -> str:
        return f"sftp://{self.user}:{quote(password or self.password, safe='')}@127.0.0.1:{self.port}"
