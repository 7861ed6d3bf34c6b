#!/usr/bin/env bash
# Runs the project's checks and ends with one line for CI:
#   tests: N passed, N failed
# Every mocha test counts once; each non-mocha check (typecheck, lint, format)
# counts as one test. All steps run even after a failure, so one run shows
# everything that is wrong; the exit status is non-zero if anything failed.
#
#   scripts/test.sh all    typecheck, lint, import layers, format, unit, the simulator's documented results,
#                          integration (Kafka 4.x), compat (Kafka 3.9.1), e2e (the real KEDA operator and HPA on a
#                          local Kubernetes, tools/k8s/; its first run on a machine builds them: 20-25 min)
#   scripts/test.sh unit   everything that needs no broker
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
COMPAT_KAFKA_VERSION=${COMPAT_KAFKA_VERSION:-3.9.1}
mode=${1:-all}

summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
export TEST_SUMMARY_FILE=$summary

record() { printf '{"suite":"%s","passed":%d,"failed":%d}\n' "$1" "$2" "$3" >>"$summary"; }

# check NAME COMMAND...: a non-mocha check that counts as one test.
check() {
  local name=$1
  shift
  printf '\n== %s: %s\n' "$name" "$*"
  if "$@"; then record "$name" 1 0; else record "$name" 0 1; fi
}

# suite NAME COMMAND...: a mocha run; its reporter records the counts. A run
# that dies before reporting (a crash in a global fixture) counts as one failure.
suite() {
  local name=$1
  shift
  printf '\n== %s: %s\n' "$name" "$*"
  local before after
  before=$(wc -l <"$summary")
  TEST_SUITE_NAME=$name "$@"
  local status=$?
  after=$(wc -l <"$summary")
  if [ "$after" -eq "$before" ]; then
    record "$name" 0 1
  elif [ "$status" -ne 0 ] && tail -n 1 "$summary" | grep -q '"failed":0'; then
    # mocha failed outside any test (e.g. in global teardown): count it.
    record "$name-exit" 0 1
  fi
}

check typecheck tsc -p tsconfig.json
check lint eslint --max-warnings 0 .
check layers depcruise --config .dependency-cruiser.js --output-type err-long src
check format prettier --check --log-level warn .
suite unit mocha --config .mocharc.unit.json
if [ "$mode" = all ]; then
  simout=$(mktemp -d)
  check simulator node --disable-warning=TimeoutNegativeWarning bench/sim/cli.ts --out "$simout" --check docs/sim/results.md
  rm -rf "$simout"
  suite integration mocha --config .mocharc.integration.json
  suite "compat-kafka-$COMPAT_KAFKA_VERSION" env KAFKA_VERSION="$COMPAT_KAFKA_VERSION" \
    mocha --config .mocharc.integration.json --grep @compat
  suite e2e mocha --config .mocharc.e2e.json
fi

printf '\n'
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
  for (const l of lines) for (const t of l.failedTests ?? []) console.log(`  failed in ${l.suite}: ${t}`);
  for (const l of lines) console.log(`  ${l.suite}: ${l.passed} passed, ${l.failed} failed`);
  const passed = lines.reduce((n, l) => n + l.passed, 0);
  const failed = lines.reduce((n, l) => n + l.failed, 0);
  console.log(`tests: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
' "$summary"
