#!/usr/bin/env bash
# The main job on bundled sample data: score the 渝水区 2022-11 inputs (seed 004) and write the results,
# with the derivation of every score, into ./gridxl-demo/ (a new ./gridxl-demo-<time>/ when that one holds
# files: gridxl never writes over an existing output, and a template there may hold typing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=gridxl-demo
if [ -n "$(ls -A "$out" 2>/dev/null)" ]; then out="gridxl-demo-$(date +%Y%m%d-%H%M%S)"; fi
mkdir -p "$out"
.venv/bin/gridxl score yushui-2022 gridxl/samples/yushui-2022.csv -o "$out"/scores.csv --explain
if .venv/bin/gridxl template --help >/dev/null 2>&1; then
  .venv/bin/gridxl template yushui-2022 -o "$out"/渝水-2022-11.xlsx --period 2022-11 --data gridxl/samples/yushui-2022.csv
  .venv/bin/gridxl recalc "$out"/渝水-2022-11.xlsx -o "$out"/渝水-2022-11-计算.xlsx
fi
if .venv/bin/gridxl bulletin --help >/dev/null 2>&1; then
  .venv/bin/gridxl bulletin yushui-2022 gridxl/samples/yushui-2022.csv -o "$out"/通报.docx --xlsx "$out"/通报.xlsx --period 2022-11
fi
OUT="$out" .venv/bin/python - <<'PY'
import os
import pandas as pd
t = pd.read_csv(os.path.join(os.environ["OUT"], "scores.csv"), encoding="utf-8-sig")
cols = [c for c in t.columns if not c.startswith("explain_")]
print(t[cols].to_string(index=False))
print("\n" + t.loc[t["unit"] == "下村镇", "explain_timely_rate"].item())
PY
echo "written to ./$out/"
