/*
 * The arithmetic peak of one core of this CPU, measured: GFLOP/s of independent chains of 512-bit
 * VDPBF16PS (bf16 pairs, 64 flops an instruction) and of 512-bit VFMADD (float32, 32 flops), so that
 * a product's rate can be read as a fraction of what the core can do. Twelve accumulators per kind
 * hide the instructions' latency. Run one copy per core at once to see the rate with every core busy.
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define CHAINS 12
#define ROUNDS 200000000L

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void) {
  __m512 dot[CHAINS];
  __m512 fma[CHAINS];
  for (int j = 0; j < CHAINS; j++) {
    dot[j] = _mm512_setzero_ps();
    fma[j] = _mm512_setzero_ps();
  }
  __m512bh one = (__m512bh) _mm512_set1_epi16(0x3f80);
  __m512 a = _mm512_set1_ps(0.5f);
  __m512 b = _mm512_set1_ps(0.25f);
  double t0 = seconds();
  for (long i = 0; i < ROUNDS; i++) {
#pragma GCC unroll 12
    for (int j = 0; j < CHAINS; j++) {
      dot[j] = _mm512_dpbf16_ps(dot[j], one, one);
    }
  }
  double t1 = seconds();
  for (long i = 0; i < ROUNDS; i++) {
#pragma GCC unroll 12
    for (int j = 0; j < CHAINS; j++) {
      fma[j] = _mm512_fmadd_ps(fma[j], a, b);
    }
  }
  double t2 = seconds();
  float sink = 0;
  for (int j = 0; j < CHAINS; j++) {
    sink += _mm512_reduce_add_ps(dot[j]) + _mm512_reduce_add_ps(fma[j]);
  }
  double flops = (double) ROUNDS * CHAINS;
  printf("one core: bf16 VDPBF16PS %.0f GFLOP/s, float32 FMA %.0f GFLOP/s (checksum %g)\n",
      flops * 64 / (t1 - t0) / 1e9, flops * 32 / (t2 - t1) / 1e9, sink);
  return 0;
}
