#!/usr/bin/env bash
# The per-core arithmetic peak (bf16 VDPBF16PS and float32 FMA, 512-bit), first on one core, then on
# every core at once. Needs gcc and a CPU with AVX-512 BF16 (apt-get install gcc).
set -euo pipefail
grep -qw avx512_bf16 /proc/cpuinfo || { echo "this CPU has no AVX-512 BF16" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
gcc -O2 -mavx512f -mavx512bf16 "$(dirname "$0")/peak.c" -o "$out/peak"
grep -m1 "model name" /proc/cpuinfo
echo "alone:"
"$out/peak"
cores=$(nproc)
echo "all $cores cores at once:"
for _ in $(seq "$cores"); do "$out/peak" & done
wait
