// hierarchical_positions.cu: bert4keras's hierarchical position embedding
// (Kernels.hierarchicalPositions) over a table E of `rows` rows. With k = α/(1 − α), the embedding
// of position p is k·(E[p / rows] − E[0]) + E[p mod rows]:
//   hierarchical_positions:          out[b·seq + p][c] += that, one thread per output element
//                                    (for p < rows the first term is exactly 0: E[p] itself).
//   hierarchical_positions_backward: one thread per (table row t, column c) with t < min(rows, seq),
//                                    summing dOut over the batch and positions in a fixed order, in
//                                    double, with no atomics, as the CPU backend does: L over the
//                                    positions p mod rows = t, H_t over p / rows = t, then
//                                    d_table[t][c] += L + k·H_t for t ≥ 1 and L − k·Σ_{u≥1} H_u for
//                                    t = 0 (E[0] is in every term; the p < rows terms cancel).
//                                    Naive: the threads of row 0 loop over every position past the
//                                    table's rows.
#include "common.cuh"

extern "C" __global__ void hierarchical_positions(const float* table, int rows, int width,
                                                  float k, float* out, int seq,
                                                  long long count) {
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < count; e += stride) {
    int c = (int) (e % width);
    int p = (int) (e / width % seq);
    float high = table[(long long) (p / rows) * width + c];
    float low = table[(long long) (p % rows) * width + c];
    out[e] += k * (high - table[c]) + low;
  }
}

// Σ_b Σ_{p in [first, last)} dOut[b·seq + p][c], b outer, p inner.
__device__ __forceinline__ double hierarchical_block_sum(const float* d_out, int batch, int seq,
                                                         int width, int c, int first, int last) {
  double sum = 0.0;
  for (int b = 0; b < batch; b++) {
    for (int p = first; p < last; p++) sum += d_out[((long long) b * seq + p) * width + c];
  }
  return sum;
}

extern "C" __global__ void hierarchical_positions_backward(const float* d_out, int batch, int seq,
                                                           int rows, int width, double k,
                                                           float* d_table) {
  long long count = (long long) min(rows, seq) * width;
  int high_rows = (seq + rows - 1) / rows;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < count; e += stride) {
    int c = (int) (e % width);
    int t = (int) (e / width);
    double low = 0.0;
    for (int b = 0; b < batch; b++) {
      for (int p = t; p < seq; p += rows) low += d_out[((long long) b * seq + p) * width + c];
    }
    double high = 0.0;
    if (t == 0) {
      for (int u = 1; u < high_rows; u++) {
        high -= hierarchical_block_sum(d_out, batch, seq, width, c, u * rows,
                                       min(seq, (u + 1) * rows));
      }
    } else if (t < high_rows) {
      high = hierarchical_block_sum(d_out, batch, seq, width, c, t * rows,
                                    min(seq, (t + 1) * rows));
    }
    d_table[e] += (float) (low + k * high);
  }
}
