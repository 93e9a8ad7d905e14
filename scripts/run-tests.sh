#!/usr/bin/env bash
# The test command behind `make test`: lint first (ruff, mypy, cfn-lint: cheap,
# and a type error or a template mistake fails the run), then every suite.
# pytest's exit code 5 means "no tests collected": that is a broken suite
# here, never a pass.
set -uo pipefail
cd "$(dirname "$0")/.."

make --no-print-directory lint || { echo "lint failed"; exit 1; }

.venv/bin/pytest tests "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: treating as failure" >&2
  exit 1
fi
exit "$rc"
