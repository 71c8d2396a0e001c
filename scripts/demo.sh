#!/usr/bin/env bash
# The main job on bundled sample data: score the 渝水区 2022-11 inputs (seed 004) and write the results,
# with the derivation of every score, into ./gridxl-demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p gridxl-demo
.venv/bin/gridxl score yushui-2022 gridxl/samples/yushui-2022.csv -o gridxl-demo/scores.csv --explain
if .venv/bin/gridxl template --help >/dev/null 2>&1; then
  .venv/bin/gridxl template yushui-2022 -o gridxl-demo/渝水-2022-11.xlsx --period 2022-11 --data gridxl/samples/yushui-2022.csv
  .venv/bin/gridxl recalc gridxl-demo/渝水-2022-11.xlsx -o gridxl-demo/渝水-2022-11-计算.xlsx
fi
if .venv/bin/gridxl bulletin --help >/dev/null 2>&1; then
  .venv/bin/gridxl bulletin yushui-2022 gridxl/samples/yushui-2022.csv -o gridxl-demo/通报.docx --xlsx gridxl-demo/通报.xlsx --period 2022-11
fi
.venv/bin/python - <<'PY'
import pandas as pd
t = pd.read_csv("gridxl-demo/scores.csv", encoding="utf-8-sig")
cols = [c for c in t.columns if not c.startswith("explain_")]
print(t[cols].to_string(index=False))
print("\n" + t.loc[t["unit"] == "下村镇", "explain_timely_rate"].item())
PY
echo "written to ./gridxl-demo/"
