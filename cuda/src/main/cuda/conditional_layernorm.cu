// conditional_layernorm.cu: conditional layer norm (Kernels.conditionalLayerNorm, bert4keras's
// conditional LM): layernorm.cu's kernels with the same numerics, but γ and β rows per sequence,
// row r of [batch·seq, width] using row r / seq of gammas and betas. One warp per row (4 rows per
// block of 128 threads). The backward's other two steps are layernorm.cu's kernels: the mean
// remainders δ, and the column partials with one chunk per sequence (rows_per_chunk = seq, one
// block row per sequence), whose partials are then dγ and dβ themselves, overwritten and summed
// in row order. Only then are the rows written, so dH may be dOut.
#include "common.cuh"

#define CLN_ROWS_PER_BLOCK 4

extern "C" __global__ void conditional_layernorm_forward(float* x, const float* residual,
                                                         const float* gammas, const float* betas,
                                                         float eps, float* out, float* mean,
                                                         float* rstd, int rows, int seq,
                                                         int width) {
  int lane = threadIdx.x % WARP_SIZE;
  int row = blockIdx.x * CLN_ROWS_PER_BLOCK + threadIdx.x / WARP_SIZE;
  if (row >= rows) return;
  float* h = x + (long long) row * width;
  const float* res = residual ? residual + (long long) row * width : nullptr;
  const float* gamma = gammas + (long long) (row / seq) * width;
  const float* beta = betas + (long long) (row / seq) * width;
  double sum = 0.0;
  for (int c = lane; c < width; c += WARP_SIZE) {
    float v = h[c];
    if (res) {
      v += res[c];
      h[c] = v;
    }
    sum += v;
  }
  double mu = warp_sum(sum) / width;
  double squares = 0.0;
  for (int c = lane; c < width; c += WARP_SIZE) {
    double d = h[c] - mu;
    squares += d * d;
  }
  float rs = (float) (1.0 / sqrt(warp_sum(squares) / width + (double) eps));
  float m = (float) mu;
  float delta = (float) (mu - m);
  float* o = out + (long long) row * width;
  for (int c = lane; c < width; c += WARP_SIZE) {
    o[c] = ((h[c] - m) - delta) * rs * gamma[c] + beta[c];
  }
  if (lane == 0) {
    mean[row] = m;
    rstd[row] = rs;
  }
}

// dH = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dOut·γ_b, after the per-sequence sums.
extern "C" __global__ void conditional_layernorm_backward_rows(const float* d_out, const float* h,
                                                               const float* mean,
                                                               const float* rstd,
                                                               const float* delta,
                                                               const float* gammas, float* d_h,
                                                               int rows, int seq, int width) {
  int lane = threadIdx.x % WARP_SIZE;
  int row = blockIdx.x * CLN_ROWS_PER_BLOCK + threadIdx.x / WARP_SIZE;
  if (row >= rows) return;
  long long base = (long long) row * width;
  const float* gamma = gammas + (long long) (row / seq) * width;
  float m = mean[row];
  float d = delta[row];
  float rs = rstd[row];
  double sum_g = 0.0;
  double sum_gx = 0.0;
  for (int c = lane; c < width; c += WARP_SIZE) {
    float xhat = ((h[base + c] - m) - d) * rs;
    float g = d_out[base + c] * gamma[c];
    sum_g += g;
    sum_gx += g * xhat;
  }
  float mean_g = (float) (warp_sum(sum_g) / width);
  float mean_gx = (float) (warp_sum(sum_gx) / width);
  // Each lane reads dOut[c] before writing dH[c] at the same c: dH may be dOut.
  for (int c = lane; c < width; c += WARP_SIZE) {
    float xhat = ((h[base + c] - m) - d) * rs;
    float g = d_out[base + c] * gamma[c];
    d_h[base + c] = rs * (g - mean_g - xhat * mean_gx);
  }
}
