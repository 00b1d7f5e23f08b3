#!/usr/bin/env bash
# Benchmarks: installs what they need on top of scripts/setup.sh (py-spy for --profile,
# Debian's wrk for the server-alone figure), then runs one of bench/bench_<NAME>.py.
#   bash scripts/bench.sh crawl --runs 3        # bench/bench_crawl.py --runs 3
#   bash scripts/bench.sh                       # lists the benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v wrk >/dev/null 2>&1; then
  echo "[bench] installing Debian's wrk (the mock server measured alone)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
if [ ! -x .venv/bin/py-spy ]; then
  echo "[bench] installing py-spy (CPU profiles of the crawl)"
  .venv/bin/python -m uv pip install -q --python .venv/bin/python -e '.[dev,bench]'
fi
name="${1:-}"
if [ -z "$name" ] || [ ! -f "bench/bench_${name}.py" ]; then
  echo "usage: bash scripts/bench.sh NAME [options]   (NAME: $(ls bench/bench_*.py | sed 's#bench/bench_##; s#\.py##' | tr '\n' ' '))" >&2
  [ -z "$name" ] && exit 0 || exit 2
fi
shift
exec .venv/bin/python "bench/bench_${name}.py" "$@"
