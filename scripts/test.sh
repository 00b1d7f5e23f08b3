#!/usr/bin/env bash
# The test command: installs what it needs (scripts/setup.sh), then runs the whole suite.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not slow"` or `-k scope`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p test-artifacts
set +e
.venv/bin/python -m pytest -n 2 --dist loadfile -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure for Vigie" >&2
  exit 1
fi
exit "$rc"
