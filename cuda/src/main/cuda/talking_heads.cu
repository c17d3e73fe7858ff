// talking_heads.cu: talking heads (Kernels.mixHeads) and its backward over maps
// [batch, heads, seq²], w [heads, heads]:
//   mix_heads:         out[b,g,e] = Σ_h w[g][h]·x[b,h,e], or Σ_h w[h][g]·x[b,h,e] with
//                      `transpose` (dx from dOut); one thread per output element.
//   mix_heads_weights: dw[g][h] += Σ_b Σ_e dOut[b,g,e]·x[b,h,e], one block per (g, h), in double.
// out must not be x: every output reads every head's map.
#include "common.cuh"

extern "C" __global__ void mix_heads(const float* x, const float* w, float* out, int batch,
                                     int heads, long long area, int transpose) {
  long long count = (long long) batch * heads * area;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < count; e += stride) {
    long long at = e % area;
    int g = (int) (e / area % heads);
    const float* xs = x + (e / area - g) * area + at;
    float sum = 0.0f;
    for (int h = 0; h < heads; h++) {
      sum += (transpose ? w[h * heads + g] : w[g * heads + h]) * xs[h * area];
    }
    out[e] = sum;
  }
}

extern "C" __global__ void mix_heads_weights(const float* d_out, const float* x, float* dw,
                                             int batch, int heads, long long area) {
  __shared__ double sums[32];
  int g = blockIdx.x / heads;
  int h = blockIdx.x % heads;
  double sum = 0.0;
  for (int b = 0; b < batch; b++) {
    const float* d = d_out + ((long long) b * heads + g) * area;
    const float* xs = x + ((long long) b * heads + h) * area;
    for (long long e = threadIdx.x; e < area; e += blockDim.x) sum += (double) d[e] * xs[e];
  }
  sum = block_sum(sum, sums);
  if (threadIdx.x == 0) dw[blockIdx.x] += (float) sum;
}
