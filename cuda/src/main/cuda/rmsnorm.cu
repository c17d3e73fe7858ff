// rmsnorm.cu: residual add + RMS norm (Kernels.rmsNorm, RoFormer-V2 and T5) and its backward
// (Kernels.rmsNormBackward), one warp per row (4 rows per block of 128 threads), the row sums in
// double as in the CPU backend:
//   forward:  h = x + residual (written back into x), rstd = 1/√(mean(h²) + eps), n = h·rstd,
//             out = γ·n (out = n when gamma is null).
// The backward sums dγ by columns in chunks of rows (partials here, then column_add_partials of
// column_sum.cu), skipped without γ, and only then writes dH row by row, so dH may be dOut:
//   dH = rstd·(g − n·mean(g·n)),  g = dOut·γ (or dOut).
#include "common.cuh"

#define RMS_ROWS_PER_BLOCK 4

extern "C" __global__ void rmsnorm_forward(float* x, const float* residual, const float* gamma,
                                           float eps, float* out, float* rstd, int rows,
                                           int width) {
  int lane = threadIdx.x % WARP_SIZE;
  int row = blockIdx.x * RMS_ROWS_PER_BLOCK + threadIdx.x / WARP_SIZE;
  if (row >= rows) return;
  float* h = x + (long long) row * width;
  const float* res = residual ? residual + (long long) row * width : nullptr;
  double squares = 0.0;
  for (int c = lane; c < width; c += WARP_SIZE) {
    float v = h[c];
    if (res) {
      v += res[c];
      h[c] = v;
    }
    squares += (double) v * v;
  }
  float rs = (float) (1.0 / sqrt(warp_sum(squares) / width + (double) eps));
  float* o = out + (long long) row * width;
  for (int c = lane; c < width; c += WARP_SIZE) {
    float n = h[c] * rs;
    o[c] = gamma ? n * gamma[c] : n;
  }
  if (lane == 0) rstd[row] = rs;
}

// Per chunk of rows and column c: Σ dOut·n into partial_gamma[chunk, c].
extern "C" __global__ void rmsnorm_backward_partials(const float* d_out, const float* h,
                                                     const float* rstd, int rows, int width,
                                                     int rows_per_chunk, float* partial_gamma) {
  int c = blockIdx.x * blockDim.x + threadIdx.x;
  int chunk = blockIdx.y;
  if (c >= width) return;
  int first = chunk * rows_per_chunk;
  int last = min(rows, first + rows_per_chunk);
  float dg = 0.0f;
  for (int r = first; r < last; r++) {
    long long at = (long long) r * width + c;
    dg += d_out[at] * (h[at] * rstd[r]);
  }
  partial_gamma[(long long) chunk * width + c] = dg;
}

extern "C" __global__ void rmsnorm_backward_rows(const float* d_out, const float* h,
                                                 const float* rstd, const float* gamma,
                                                 float* d_h, int rows, int width) {
  int lane = threadIdx.x % WARP_SIZE;
  int row = blockIdx.x * RMS_ROWS_PER_BLOCK + threadIdx.x / WARP_SIZE;
  if (row >= rows) return;
  long long base = (long long) row * width;
  float rs = rstd[row];
  double sum_gn = 0.0;
  for (int c = lane; c < width; c += WARP_SIZE) {
    float g = gamma ? d_out[base + c] * gamma[c] : d_out[base + c];
    sum_gn += g * (h[base + c] * rs);
  }
  float mean_gn = (float) (warp_sum(sum_gn) / width);
  // Each lane reads dOut[c] before writing dH[c] at the same c: dH may be dOut.
  for (int c = lane; c < width; c += WARP_SIZE) {
    float g = gamma ? d_out[base + c] * gamma[c] : d_out[base + c];
    d_h[base + c] = rs * (g - (h[base + c] * rs) * mean_gn);
  }
}
