#!/usr/bin/env bash
# Compiles the CUDA kernels (src/main/cuda/*.cu) for the cuda module's jar, when nvcc is here.
#
#   compile-kernels.sh OUTPUT_DIR [NVCC]
#
# NVCC: the compiler to use; empty to look for `nvcc` on PATH, then /usr/local/cuda/bin/nvcc; `none`
# to build without kernels. Without a compiler this prints why and succeeds: the jar then holds no
# kernels and CudaKernelsProvider reports "no kernels". Maven runs it in the compile phase
# (cuda/pom.xml; `-Dnvcc=none` hides nvcc, `-Dnvcc=/path/to/nvcc` picks one).
#
# All .cu files go into one translation unit, so each architecture is one module:
#   OUTPUT_DIR/bert4j/cuda/kernels_sm80.ptx, .cubin  (Ampere A100; sm_86 and sm_89 run it too)
#   OUTPUT_DIR/bert4j/cuda/kernels_sm90.ptx, .cubin  (Hopper H100, H200; later GPUs JIT the PTX)
# Nothing is rebuilt when the outputs are newer than every source.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
src="$here/src/main/cuda"
out="$1/bert4j/cuda"
nvcc="${2:-}"
archs="80 90"

if [[ "$nvcc" == none ]]; then
  echo "[bert4j-cuda] nvcc disabled (nvcc=none): building without CUDA kernels"
  exit 0
fi
if [[ -z "$nvcc" ]]; then
  nvcc="$(command -v nvcc || true)"
  [[ -z "$nvcc" && -x /usr/local/cuda/bin/nvcc ]] && nvcc=/usr/local/cuda/bin/nvcc
fi
if [[ -z "$nvcc" || ! -x "$nvcc" ]]; then
  echo "[bert4j-cuda] no nvcc on PATH or in /usr/local/cuda/bin: building without CUDA kernels"
  exit 0
fi
ptxas="$(dirname "$(readlink -f "$nvcc")")/ptxas"
[[ -x "$ptxas" ]] || ptxas="$(command -v ptxas || true)"

newest_source="$(ls -t "$src"/*.cu "$src"/*.cuh | head -1)"
up_to_date=true
for arch in $archs; do
  for ext in ptx cubin; do
    built="$out/kernels_sm$arch.$ext"
    [[ -f "$built" && "$built" -nt "$newest_source" ]] || up_to_date=false
  done
done
if $up_to_date; then
  echo "[bert4j-cuda] CUDA kernels up to date in $out"
  exit 0
fi

mkdir -p "$out"
unity="$out/kernels.cu"
trap 'rm -f "$unity"' EXIT
for cu in "$src"/*.cu; do echo "#include \"$cu\""; done > "$unity"
echo "[bert4j-cuda] compiling $(ls "$src"/*.cu | wc -l) kernel files with $nvcc" \
  "for sm_${archs// /, sm_}"
pids=()
for arch in $archs; do
  (
    "$nvcc" -std=c++17 -O3 -arch="sm_$arch" -ptx -I"$src" -o "$out/kernels_sm$arch.ptx" "$unity"
    if [[ -n "$ptxas" ]]; then
      "$ptxas" -O3 -arch="sm_$arch" -o "$out/kernels_sm$arch.cubin" "$out/kernels_sm$arch.ptx"
    else
      "$nvcc" -std=c++17 -O3 -arch="sm_$arch" -cubin -I"$src" -o "$out/kernels_sm$arch.cubin" \
        "$unity"
    fi
  ) &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
ls -l "$out"/kernels_sm*
