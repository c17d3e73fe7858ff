#!/usr/bin/env bash
# Times BERT-base on this machine's GPU, PyTorch eager first (when python3 has torch and sees the
# GPU), then bert4j's GpuBenchmark, which prints one Markdown table with both sides, also written
# to benchmark.md. Arguments go to GpuBenchmark (e.g. --repeats 20).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
torch_args=()
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  PYTHONUNBUFFERED=1 python3 "$here/bench/torch_bert_base.py" --out "$here/torch_bert_base.json"
  torch_args=(--torch "$here/torch_bert_base.json")
else
  echo "[run-benchmark] no PyTorch with a GPU here: bert4j only"
fi
"$here/jre/bin/java" -cp "$here/lib/*" bert4j.cuda.GpuBenchmark "${torch_args[@]}" "$@" \
  | tee "$here/benchmark.md"
