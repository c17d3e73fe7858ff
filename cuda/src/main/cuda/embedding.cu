// embedding.cu: the embedding gather, out[r] = table[ids[r]] (or += with accumulate), and its
// scatter-add backward, d_table[ids[r]] += d_out[r]. The backward is deterministic: the host sorts
// the rows by id (stable, so rows of one id stay in order) and one block adds the rows of one id in
// that order, the same additions in the same order as the CPU backend, with no atomics.
#include "common.cuh"

// One block per row r, threads across the width.
extern "C" __global__ void embedding_forward(const int* ids, const float* table, int width,
                                             float* out, int accumulate) {
  int r = blockIdx.x;
  const float* from = table + (long long) ids[r] * width;
  float* to = out + (long long) r * width;
  for (int c = threadIdx.x; c < width; c += blockDim.x) {
    to[c] = accumulate ? from[c] + to[c] : from[c];
  }
}

// One block per distinct id u: rows order[starts[u]] .. order[starts[u + 1] − 1] all have id
// unique_ids[u].
extern "C" __global__ void embedding_backward(const int* order, const int* starts,
                                              const int* unique_ids, const float* d_out, int width,
                                              float* d_table) {
  int u = blockIdx.x;
  int first = starts[u];
  int last = starts[u + 1];
  float* row = d_table + (long long) unique_ids[u] * width;
  for (int c = threadIdx.x; c < width; c += blockDim.x) {
    float acc = row[c];
    for (int i = first; i < last; i++) acc += d_out[(long long) order[i] * width + c];
    row[c] = acc;
  }
}
