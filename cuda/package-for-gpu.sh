#!/usr/bin/env bash
# Packs what a machine with an NVIDIA GPU but no Java needs to test and benchmark the CUDA backend
# into one folder: a jlink Java runtime, the jars, the CPU backend's reference results, and scripts.
#
#   cuda/package-for-gpu.sh [--with-cpu] [--no-example] [-o]
#
# Output: cuda/target/gpu-bundle/ (cuda/target/gpu-bundle-with-cpu/ with --with-cpu). Copy it to the
# GPU machine (the device tool: carry cuda/target/gpu-bundle) and run there, from the folder:
#   ./run-tests.sh       the CUDA kernel contract, large shapes, tiny BERT vs the CPU (golden file),
#                        Backend.auto; JUnit's console launcher, reports in reports/
#   ./run-benchmark.sh   PyTorch eager (python3 + torch, if there) then GpuBenchmark: one Markdown
#                        table, also written to benchmark.md
#   ./run-example.sh     the main example (waimai sentiment) on the GPU, next to its CPU run
# The bundle leaves OpenBLAS out (the CPU backend's natives, 14 MB; the device tool carries 64 MB
# and the bundle is near 47 MB), so the CPU backend cannot run in it: its results come along as
# golden/ files, computed here. --with-cpu keeps OpenBLAS in, for machines without that limit (and
# to see the CPU fallback here).
#   --no-example  skip the CPU run of the main example (about two minutes on 2 cores)
#   -o            run Maven offline
# Needs JDK 17 (jlink, jdeps, jar) and Maven; nvcc for the kernels (without it the bundle holds
# none, and every GPU test says so).
set -euo pipefail

with_cpu=false
example=true
maven=(mvn -B -q)
for arg in "$@"; do
  case "$arg" in
    --with-cpu) with_cpu=true ;;
    --no-example) example=false ;;
    -o) maven+=(-o) ;;
    *) echo "usage: $0 [--with-cpu] [--no-example] [-o]" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="$root/cuda/target/gpu-bundle"
$with_cpu && bundle="$root/cuda/target/gpu-bundle-with-cpu"
version="$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "$root/pom.xml" | head -1)"
junit="$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' "$root/pom.xml")"

cd "$root"
rm -rf "$bundle"
mkdir -p "$bundle/lib" "$bundle/test-lib" "$bundle/golden" "$bundle/bench"

echo "[bundle] building (tests compiled, not run) and collecting the jars"
groups=org.jcuda,com.fasterxml.jackson.core
$with_cpu && groups=
"${maven[@]}" -DskipTests package dependency:copy-dependencies -pl cuda,examples -am \
  -DincludeScope=runtime -DexcludeGroupIds=bert4j ${groups:+-DincludeGroupIds=$groups} \
  -DoutputDirectory="$bundle/lib"
cp dsl/target/bert4j-dsl-"$version".jar runtime/target/bert4j-runtime-"$version".jar \
  cuda/target/bert4j-cuda-"$version".jar examples/target/bert4j-examples-"$version".jar \
  "$bundle/lib/"
# JCuda's natives jars carry every JCuda library (24 MB for the PTX compiler alone); the backend
# loads only the driver's, the benchmark also cuBLAS's.
for natives in "$bundle"/lib/jcuda-natives-*.jar "$bundle"/lib/jcublas-natives-*.jar; do
  work="$(mktemp -d)"
  (cd "$work" && jar --extract --file "$natives" \
    $(jar --list --file "$natives" | grep -E '^lib/lib(JCudaDriver|JCublas2)-') \
    && jar --create --file "$natives" lib)
  rm -rf "$work"
done
cp runtime/target/bert4j-runtime-"$version"-tests.jar "$bundle/test-lib/"
jar --create --file "$bundle/test-lib/bert4j-cuda-$version-tests.jar" -C cuda/target/test-classes .
"${maven[@]}" -N dependency:copy \
  -Dartifact="org.junit.platform:junit-platform-console-standalone:1.${junit#5.}" \
  -DoutputDirectory="$bundle/test-lib"

echo "[bundle] Java runtime (jlink)"
# What the jars use, and java.xml for JUnit's reports. (jdeps also names java.desktop and java.sql,
# for Jackson's optional java.beans and java.sql.Date support, which bert4j does not use: 10 MB.)
jlink --add-modules java.base,java.logging,java.management,java.xml,jdk.unsupported \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$bundle/jre"

echo "[bundle] the CPU backend's results, computed here"
"${maven[@]}" test-compile dependency:build-classpath -pl cuda,examples -am \
  -Dmdep.outputFile=target/classpath.txt
java -cp "cuda/target/test-classes:cuda/target/classes:$(cat cuda/target/classpath.txt)" \
  bert4j.cuda.TinyBertScenarios "$bundle/golden/tiny_bert_cpu.safetensors"
if $example; then
  echo "[bundle] the main example on the CPU (about two minutes)"
  examples_classpath="$root/examples/target/classes:$(cat examples/target/classpath.txt)"
  work="$(mktemp -d)"
  (cd "$work" && java -cp "$examples_classpath" bert4j.examples.SentimentClassification 2>&1 \
    | tee "$bundle/golden/sentiment_cpu.log")
  rm -rf "$work"
fi

cp cuda/bench/torch_bert_base.py "$bundle/bench/"
cp cuda/bundle/*.sh cuda/bundle/README.txt "$bundle/"
chmod +x "$bundle"/*.sh
echo "[bundle] $(du -sh "$bundle" | cut -f1) in $bundle"
