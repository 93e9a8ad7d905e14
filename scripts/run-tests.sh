#!/usr/bin/env bash
# The test command behind `make test`: lint first (ruff, mypy, cfn-lint: cheap,
# and a type error or a template mistake fails the run), then every suite.
#
# Two pytest processes run side by side: the emulator suite (tests/e2e), whose
# time goes mostly to deploys and to waiting on the pipeline's timers, and the
# moto and pure suites (tests/integration, tests/unit) on the other core. The
# e2e output streams live; the other suite's is printed when both are done,
# then the slowest tests of each and one reliability table (tests marked
# `reliability`) of both.
#
# pytest's exit code 5 means "no tests collected": that is a broken suite
# here, never a pass. `--no-lint` first skips the lint (make test-reliability);
# other arguments are pytest options, given to both processes.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--no-lint" ]; then
  shift
else
  make --no-print-directory lint || { echo "lint failed"; exit 1; }
fi

runs=.lightbox/test-run
rm -rf "$runs"
mkdir -p "$runs"

.venv/bin/pytest tests/integration tests/unit --durations=25 \
  --reliability-rows "$runs/moto-and-unit.json" "$@" >"$runs/moto-and-unit.log" 2>&1 &
others=$!
# Stopping the script (Ctrl+C, a CI timeout) stops the background suite too.
trap 'kill "$others" 2>/dev/null' EXIT

.venv/bin/pytest tests/e2e --durations=25 --reliability-rows "$runs/e2e.json" "$@"
e2e_rc=$?
wait "$others"
others_rc=$?
trap - EXIT

echo
echo "=============== tests/integration and tests/unit (run beside tests/e2e) ==============="
cat "$runs/moto-and-unit.log"
echo
PYTHONPATH=tests .venv/bin/python -m support.reliability "$runs/e2e.json" "$runs/moto-and-unit.json"

rc=0
for pair in "tests/e2e:$e2e_rc" "tests/integration and tests/unit:$others_rc"; do
  suite=${pair%:*}
  code=${pair##*:}
  if [ "$code" -eq 5 ]; then
    echo "pytest collected no tests in $suite: treating as failure" >&2
    rc=1
  elif [ "$code" -ne 0 ]; then
    echo "$suite: pytest exit $code" >&2
    rc=1
  fi
done
[ "$rc" -eq 0 ] && echo "all suites passed"
exit "$rc"
