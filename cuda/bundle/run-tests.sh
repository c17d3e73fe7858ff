#!/usr/bin/env bash
# Runs the CUDA backend's tests on this machine's GPU with JUnit's console launcher: the kernel
# contract, large shapes against double references, the CUDA-only checks, the tiny BERT against the
# CPU backend (golden/tiny_bert_cpu.safetensors, computed where the bundle was made), the provider
# and Backend.auto. Without a usable GPU every GPU test is skipped and the reason printed.
# Reports (JUnit XML) go to reports/ or to the folder given as the first argument.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
reports="${1:-$here/reports}"
classpath="$(ls "$here"/lib/*.jar "$here"/test-lib/bert4j-*.jar | tr '\n' ':')"
exec "$here/jre/bin/java" -Dbert4j.cuda.golden="$here/golden/tiny_bert_cpu.safetensors" \
  -jar "$here"/test-lib/junit-platform-console-standalone-*.jar execute \
  --class-path "$classpath" --disable-banner --disable-ansi-colors --details=tree \
  --reports-dir="$reports" \
  --select-class bert4j.cuda.CudaKernelsContractTest \
  --select-class bert4j.cuda.CudaKernelsProviderTest \
  --select-class bert4j.cuda.BackendAutoTest
