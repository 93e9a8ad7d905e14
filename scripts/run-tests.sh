#!/usr/bin/env bash
# The test command behind `make test`: lint first (ruff, mypy, cfn-lint: cheap,
# and a type error or a template mistake fails the run), then every suite.
# pytest's exit code 5 means "no tests collected": that is a broken suite
# here, never a pass. `--no-lint` first skips the lint (make test-reliability).
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--no-lint" ]; then
  shift
else
  make --no-print-directory lint || { echo "lint failed"; exit 1; }
fi

# The slowest tests and the reliability table (tests marked `reliability`) close
# every run's report.
.venv/bin/pytest tests --reliability-table --durations=40 "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: treating as failure" >&2
  exit 1
fi
exit "$rc"
