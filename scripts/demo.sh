#!/usr/bin/env bash
# The main job on a bundled workbook (README, `make demo`):
#   1. validate the shipped workbooks,
#   2. in a copy of the Västerbotten regionplan, change an input the way a controller
#      would (a transfer between RS and HSN: 22,6 → 25,0 mkr), regenerate headless,
#   3. validate the copy again. The shipped files are never modified.
set -euo pipefail
cd "$(dirname "$0")/.."
X=.venv/bin/xlmodel
mkdir -p out
copy=out/demo_regionplan_2021.xlsm
rm -f "$copy"
cp workbooks/vasterbotten_regionplan_2021.xlsm "$copy"

echo "== 1. xlmodel validera workbooks/*"
$X validera workbooks/*.xlsx workbooks/*.xlsm

echo
echo "== 2. Ändra indata i $copy: omfördelningen 'privata vårdgivare' RS → HSN 22,6 → 25,0 mkr (Förändringar!E17:E18)"
.venv/bin/python - "$copy" <<'PY'
import sys
from decimal import Decimal
from xlmodel.xlsx.atomic import save_package
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet

pkg = Package.open(sys.argv[1])
writes = [CellWrite("E17", Decimal("-25")), CellWrite("E18", Decimal("25"))]
save_package(patch_sheet(pkg, "Förändringar", writes), sys.argv[1], expect_sha256=pkg.sha256, backup=False)
PY
echo "== 3. xlmodel regenerera $copy"
$X regenerera "$copy"

echo
echo "== 4. xlmodel validera $copy (godkänd; varningarna jämför med den tryckta planen)"
$X validera "$copy"
