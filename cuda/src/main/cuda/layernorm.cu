// layernorm.cu: residual add + layer norm and its backward, one warp per row (4 rows per block of
// 128 threads), row sums in double as in the CPU backend:
//   forward:  h = x + residual (written back into x), mean and biased variance of h (two passes),
//             rstd = 1/√(var + eps), out = γ·(h − mean)·rstd + β.
// The saved mean is a float; x̂ = (h − mean_f) − δ with δ the rounding remainder of the double
// mean, so a large common offset costs no accuracy. The backward recomputes δ per row, sums dγ and
// dβ by columns in chunks of rows (column_sum.cu's partials, then column_add_partials), and only
// then writes dH row by row, so dH may be dOut:
//   dH = rstd·(g − mean(g) − x̂·mean(g·x̂)),  g = dOut·γ.
#include "common.cuh"

#define LN_ROWS_PER_BLOCK 4

extern "C" __global__ void layernorm_forward(float* x, const float* residual, const float* gamma,
                                             const float* beta, float eps, float* out, float* mean,
                                             float* rstd, int rows, int width) {
  int lane = threadIdx.x % WARP_SIZE;
  int row = blockIdx.x * LN_ROWS_PER_BLOCK + threadIdx.x / WARP_SIZE;
  if (row >= rows) return;
  float* h = x + (long long) row * width;
  const float* res = residual ? residual + (long long) row * width : nullptr;
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

// delta[row] = the double mean of (h − mean_f): what the float mean left out.
extern "C" __global__ void layernorm_mean_remainder(const float* h, const float* mean, int rows,
                                                    int width, float* delta) {
  int lane = threadIdx.x % WARP_SIZE;
  int row = blockIdx.x * LN_ROWS_PER_BLOCK + threadIdx.x / WARP_SIZE;
  if (row >= rows) return;
  const float* hr = h + (long long) row * width;
  float m = mean[row];
  double sum = 0.0;
  for (int c = lane; c < width; c += WARP_SIZE) sum += hr[c] - m;
  sum = warp_sum(sum);
  if (lane == 0) delta[row] = (float) (sum / width);
}

// Per chunk of rows and column c: Σ dOut·x̂ and Σ dOut, into partial_gamma and partial_beta.
extern "C" __global__ void layernorm_backward_partials(const float* d_out, const float* h,
                                                       const float* mean, const float* rstd,
                                                       const float* delta, int rows, int width,
                                                       int rows_per_chunk, float* partial_gamma,
                                                       float* partial_beta) {
  int c = blockIdx.x * blockDim.x + threadIdx.x;
  int chunk = blockIdx.y;
  if (c >= width) return;
  int first = chunk * rows_per_chunk;
  int last = min(rows, first + rows_per_chunk);
  float dg = 0.0f;
  float db = 0.0f;
  for (int r = first; r < last; r++) {
    long long at = (long long) r * width + c;
    float dy = d_out[at];
    dg += dy * (((h[at] - mean[r]) - delta[r]) * rstd[r]);
    db += dy;
  }
  partial_gamma[(long long) chunk * width + c] = dg;
  partial_beta[(long long) chunk * width + c] = db;
}

extern "C" __global__ void layernorm_backward_rows(const float* d_out, const float* h,
                                                   const float* mean, const float* rstd,
                                                   const float* delta, const float* gamma,
                                                   float* d_h, int rows, int width) {
  int lane = threadIdx.x % WARP_SIZE;
  int row = blockIdx.x * LN_ROWS_PER_BLOCK + threadIdx.x / WARP_SIZE;
  if (row >= rows) return;
  long long base = (long long) row * width;
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
