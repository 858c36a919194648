#!/usr/bin/env bash
# The project's test command: `npm test` (all suites) or `npm test -- unit|integration|e2e|browser`.
# Installs what the suites need when missing (Debian packages, control-plane binaries), builds the
# TypeScript, then runs each suite with node's test runner. Integration and e2e suites need root.
set -euo pipefail
cd "$(dirname "$0")/.."
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit integration e2e browser)

needs_setup=0
for s in "${suites[@]}"; do [ "$s" != unit ] && [ "$s" != browser ] && needs_setup=1; done
if [ "$needs_setup" = 1 ]; then
  if [ "$(id -u)" != 0 ]; then echo "integration and e2e tests need root (network namespaces, iptables)" >&2; exit 1; fi
  bash src/sandbox/binaries/setup.sh
fi
npm run --silent build

run_suite() {
  local suite="$1" files
  if [ "$suite" = e2e ]; then
    mapfile -t files < <(find "test/$suite" -name '*.test.ts' -not -path '*/standalone/*' | sort)
  else
    mapfile -t files < <(find "test/$suite" -name '*.test.ts' | sort)
  fi
  if [ ${#files[@]} -eq 0 ]; then echo "no tests in test/$suite" >&2; return 1; fi
  echo "== $suite tests (${#files[@]} files)"
  local conc=2
  [ "$suite" = unit ] || conc=1
  node --import tsx --test --test-concurrency="$conc" --test-reporter=spec "${files[@]}"
}

for s in "${suites[@]}"; do
  case "$s" in
    unit) run_suite unit ;;
    browser)
      # Debian's chromium through playwright-core; no browser is ever downloaded.
      command -v chromium >/dev/null || { echo "the browser suite needs Debian's chromium (apt-get install chromium)" >&2; exit 1; }
      run_suite browser ;;
    integration) node --import tsx test/support/with-fleet.ts "$s" -- bash -c "$(declare -f run_suite); run_suite $s" ;;
    e2e)
      # Tests that make their own fleet run first, then the rest share one sandbox.
      run_suite e2e/standalone
      node --import tsx test/support/with-fleet.ts "$s" -- bash -c "$(declare -f run_suite); run_suite $s" ;;
    *) echo "unknown suite $s (unit, integration, e2e, browser)" >&2; exit 2 ;;
  esac
done
