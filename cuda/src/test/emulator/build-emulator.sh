#!/usr/bin/env bash
# Builds the CUDA emulator library for the tests: the kernels (src/main/cuda/*.cu) compiled as C++
# against cuda_emulator.h, with the JNI glue of bert4j.cuda.EmulatedDevice.
#
#   build-emulator.sh OUTPUT_DIR [CXX]
#
# Writes OUTPUT_DIR/libbert4j_cuda_emulator.so. Needs a C++17 compiler (CXX, default g++; `none`
# skips) and a JDK's include directory; without them it prints why and succeeds, and the emulated
# kernel tests skip. Maven runs it before the tests (cuda/pom.xml).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
kernels="$here/../../main/cuda"
out="$1"
cxx="${2:-g++}"
library="$out/libbert4j_cuda_emulator.so"

if [[ "$cxx" == none ]] || ! command -v "$cxx" >/dev/null; then
  echo "[bert4j-cuda] no C++ compiler ($cxx): the emulated kernel tests will skip"
  exit 0
fi
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
if [[ ! -f "$java_home/include/jni.h" ]]; then
  echo "[bert4j-cuda] no jni.h under $java_home/include: the emulated kernel tests will skip"
  exit 0
fi

newest_source="$(ls -t "$kernels"/*.cu "$kernels"/*.cuh "$here"/*.h "$here"/*.cpp "$0" | head -1)"
if [[ -f "$library" && "$library" -nt "$newest_source" ]]; then
  echo "[bert4j-cuda] CUDA emulator up to date: $library"
  exit 0
fi

mkdir -p "$out"
unity="$out/emulated_kernels.cpp"
{
  for cu in "$kernels"/*.cu; do echo "#include \"$cu\""; done
  echo "#include \"$here/emulator_jni.cpp\""
} > "$unity"
# No FMA contraction: each multiply and add rounds, as in Java, so the emulated kernels compute what
# the CPU backend computes (the optimizer tests compare them bit for bit).
flags=(-std=c++17 -O2 -ffp-contract=off -fPIC -x c++ -include "$here/cuda_emulator.h" -I"$here" -I"$kernels"
       -I"$out" -I"$java_home/include" -I"$java_home/include/linux" -Wno-unknown-pragmas)
# Every extern "C" kernel, as the preprocessor expands the kernel macros.
for cu in "$kernels"/*.cu; do echo "#include \"$cu\""; done > "$out/kernels_only.cpp"
"$cxx" "${flags[@]}" -E "$out/kernels_only.cpp" \
  | grep -oE 'extern "C" +void +[A-Za-z_][A-Za-z0-9_]* *\(' \
  | sed -E 's/extern "C" +void +([A-Za-z0-9_]+).*/KERNEL(\1)/' | sort -u > "$out/registry.inc"
echo "[bert4j-cuda] building the CUDA emulator ($(wc -l < "$out/registry.inc") kernels) with $cxx"
"$cxx" "${flags[@]}" -shared -o "$library" "$unity"
