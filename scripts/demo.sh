#!/usr/bin/env bash
# The main job on the embedded default: installs what it needs, then `vigie demo`
# (serves the bundled mock world, crawls it day by day, links vendors, computes the
# indicators and writes the HTML report). Extra arguments go to `vigie demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/vigie demo "$@"
