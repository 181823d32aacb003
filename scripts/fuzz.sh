#!/usr/bin/env bash
# The long fuzz run of tests/test_fuzz_workbooks.py (docs/reliability.md).
#
#   scripts/fuzz.sh [EXAMPLES_PER_KIND]     default 5000 (x 5 mutation kinds)
#
# CI runs the same tests with 30 examples per kind and a fixed seed (derandomized);
# this run draws fresh random examples (XLMODEL_FUZZ_RANDOM=1), so every run explores
# new inputs. A crash is printed by hypothesis as a minimal failing example.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-5000}"
start=$(date +%s)
set +e
XLMODEL_FUZZ_EXAMPLES="$examples" XLMODEL_FUZZ_RANDOM=1 \
  .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_fuzz_workbooks.py \
  --hypothesis-show-statistics "${@:2}"
status=$?
set -e
end=$(date +%s)
echo "fuzz: ${examples} exempel per mutationstyp, 5 typer, $((end - start)) s, slutkod ${status}"
exit $status
