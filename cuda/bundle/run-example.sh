#!/usr/bin/env bash
# Runs the main example (waimai sentiment: tokenize, train two epochs, evaluate, save, reload) with
# Backend.auto(), i.e. on the GPU when it is usable, then prints its epoch lines next to the CPU
# run's (golden/sentiment_cpu.log, made where the bundle was made). Same seeds, same data, same
# dropout masks: the losses and accuracies should agree to a few units in the third decimal.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$here/example" && cd "$here/example"
"$here/jre/bin/java" -cp "$here/lib/*" bert4j.examples.SentimentClassification 2>&1 \
  | tee sentiment_gpu.log
if [[ -f "$here/golden/sentiment_cpu.log" ]]; then
  echo
  echo "== CPU (golden/sentiment_cpu.log)"
  grep -E "loss:|accuracy" "$here/golden/sentiment_cpu.log"
  echo "== this run"
  grep -E "loss:|accuracy" sentiment_gpu.log
fi
