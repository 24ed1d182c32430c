"""No secrets in the repository: credentials come from the environment (or a secrets backend), never
from a tracked file. Fast: scans what git tracks."""
from __future__ import annotations

import re
import subprocess

from tests.conftest import REPO

SECRET = re.compile(
    r"BEGIN [A-Z ]*PRIVATE KEY"                                     # PEM private keys
    r"|AKIA[0-9A-Z]{16}"                                            # AWS access key ids
    r"|gh[pousr]_[A-Za-z0-9]{30,}"                                  # GitHub tokens
    r"|xox[abpr]-[A-Za-z0-9-]{10,}"                                 # Slack tokens
    r"|(?:password|passwd|secret|api_?key|token)\s*[:=]\s*['\"]?(?!None\b|null\b)[A-Za-z0-9/+_\-]{6,}(?=['\"\s]|$)",
    re.I | re.M)


def test_no_secret_in_a_tracked_file():
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    found = []
    for name in filter(None, files):
        path = REPO / name.decode()
        if not path.is_file() or path.suffix in (".png", ".pdf", ".ttf", ".ttc", ".xlsx", ".parquet", ".duckdb"):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [f"{name.decode()}: {m.group(0)[:40]}" for m in SECRET.finditer(text)
                  if "tests/test_secrets.py" not in name.decode()]
    assert not found, found
