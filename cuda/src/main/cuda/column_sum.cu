// column_sum.cu: target[c] += Σ_r x[r, c] (or = without accumulate) over the rows of a [rows, width]
// matrix (the bias gradient), deterministically and without atomics, in two launches: each block of the first sums
// one chunk of rows for 128 columns into partials[chunk, c]; the second adds the chunks' partials
// in chunk order. The host picks the chunking from the sizes alone, so every run adds in the same
// order.
#include "common.cuh"

extern "C" __global__ void column_partial_sums(const float* x, int rows, int width,
                                               int rows_per_chunk, float* partials) {
  int c = blockIdx.x * blockDim.x + threadIdx.x;
  int chunk = blockIdx.y;
  if (c >= width) return;
  int first = chunk * rows_per_chunk;
  int last = min(rows, first + rows_per_chunk);
  float acc = 0.0f;
  for (int r = first; r < last; r++) acc += x[(long long) r * width + c];
  partials[(long long) chunk * width + c] = acc;
}

extern "C" __global__ void column_add_partials(const float* partials, int chunks, int width,
                                               float* target, int accumulate) {
  int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= width) return;
  float acc = 0.0f;
  for (int chunk = 0; chunk < chunks; chunk++) acc += partials[(long long) chunk * width + c];
  target[c] = accumulate ? target[c] + acc : acc;
}
