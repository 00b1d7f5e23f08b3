#!/usr/bin/env bash
# Idempotent setup: a .venv with Vigie and its dev extras, and Debian's Chromium for Playwright.
# Used by scripts/demo.sh and scripts/test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  echo "[setup] installing Debian's chromium (for Playwright-rendered pages)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.vigie-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "[setup] installing Vigie and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip uv
  .venv/bin/python -m uv pip install -q --compile-bytecode --python .venv/bin/python -e '.[dev]'
  touch "$stamp"
fi
# Byte-compile everything once: every crawl run is a new process, and with
# PYTHONDONTWRITEBYTECODE set (as on CI machines) Python would otherwise recompile
# Scrapy, SQLAlchemy & co. from source in each one (~20 s of CPU per run).
.venv/bin/python -m compileall -q -j 0 .venv/lib/python3*/site-packages crawler spiders storage schedules \
  mock_sites tests bench >/dev/null 2>&1 || true
