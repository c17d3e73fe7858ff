#!/usr/bin/env bash
# Peak resident memory of a BERT-base inference process, bert4j against ONNX Runtime: each side in a
# fresh JVM with the same options (MemoryBenchmark), then the ratio of their VmHWM. Run from the
# repository root after `mvn -q -DskipTests install`. JVM_OPTS defaults to a small heap for both.
set -euo pipefail
JVM_OPTS=${JVM_OPTS:--Xmx1g -XX:MaxDirectMemorySize=2g}
CLASSPATH_FILE=examples/target/memory-benchmark.classpath
mvn -o -q -f examples/pom.xml dependency:build-classpath -Dmdep.outputFile="$PWD/$CLASSPATH_FILE" >/dev/null
CP="examples/target/classes:$(cat "$CLASSPATH_FILE")"
run() {
  # shellcheck disable=SC2086
  java $JVM_OPTS -cp "$CP" bert4j.examples.MemoryBenchmark "$@"
}
run prepare "$@"
kib() { sed -n "s/^$1: VmHWM \([0-9]*\) kB.*/\1/p"; }
ours=$(run bert4j "$@" | tee /dev/stderr | kib bert4j)
training=$(run bert4j-training "$@" | tee /dev/stderr | kib bert4j-training)
theirs=$(run ort "$@" | tee /dev/stderr | kib ort)
awk -v a="$ours" -v t="$training" -v b="$theirs" 'BEGIN {
  printf "peak RSS at 1 x 128: bert4j inference model %.0f MiB, training model %.0f MiB, ONNX Runtime %.0f MiB; bert4j / ORT = %.2f\n", a / 1024, t / 1024, b / 1024, a / b }'
