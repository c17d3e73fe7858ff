#!/usr/bin/env bash
# Product libraries the CPU backend does not use, measured against the ones it does on this CPU:
# Intel MKL (JavaCPP 1.5.12's build, fetched into ~/.m2 by Maven) on BERT-base's dense shapes, and a
# JDK Vector API kernel on an attention pair's product. Run from the repository root after
# `mvn -q -DskipTests install`.
set -euo pipefail
here=tools/gemm-candidates
mkl=org.bytedeco:mkl:2025.2-1.5.12
for classifier in "" ":jar:linux-x86_64" ":jar:linux-x86_64-redist"; do
  mvn -q dependency:get -Dartifact="$mkl$classifier" >/dev/null
done
repo=$HOME/.m2/repository/org/bytedeco
jars="$repo/javacpp/1.5.12/javacpp-1.5.12.jar"
for j in mkl-2025.2-1.5.12.jar mkl-2025.2-1.5.12-linux-x86_64.jar mkl-2025.2-1.5.12-linux-x86_64-redist.jar; do
  jars="$jars:$repo/mkl/2025.2-1.5.12/$j"
done
mvn -o -q -f runtime/pom.xml dependency:build-classpath -Dmdep.outputFile="$PWD/runtime/target/candidates.classpath" >/dev/null
cp="$jars:runtime/target/classes:$(cat runtime/target/candidates.classpath)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
javac -cp "$cp" -d "$out" "$here/src/bert4j/runtime/cpu/MklCandidate.java"
javac --add-modules jdk.incubator.vector -cp "$cp" -d "$out" \
  "$here/src/bert4j/runtime/cpu/VectorApiCandidate.java" 2>&1 | grep -v -e incubat -e "[0-9] warnings\?$" || true
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java -cp "$out:$cp" bert4j.runtime.cpu.MklCandidate
java --add-modules jdk.incubator.vector -cp "$out:$cp" bert4j.runtime.cpu.VectorApiCandidate 2>&1 \
  | grep -v "incubator"
