#!/usr/bin/env bash
# Set up everything `make demo` and `make test` need on a fresh Debian machine:
# system packages (CJK fonts for letters, Chromium for the KPI report test, poppler for PDF samples,
# the PostgreSQL server the pull tests start on 127.0.0.1),
# then .venv from the lock.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(fonts-noto-cjk fonts-wqy-zenhei fonts-dejavu-core chromium poppler-utils postgresql)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: please install ${missing[*]} (needs root and apt-get); continuing without them" >&2
  fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q "uv==0.13.9"
# --compile-bytecode: every package's .pyc written once here. Without them a process run with
# PYTHONDONTWRITEBYTECODE set (or on a read-only install) compiles dbt, Great Expectations, pandas and
# scikit-learn from source each time it starts: seconds of CPU for every Airflow task (docs/performance.md).
.venv/bin/uv pip sync -q --compile-bytecode --python .venv/bin/python requirements.lock
.venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
