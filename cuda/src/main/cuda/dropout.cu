// dropout.cu: inverted dropout, out[i] = x[i]·keep(i)/(1 − p), the keep mask redrawn from the seed
// and the element index (common.cuh), so the forward and the backward (the same kernel applied to
// the gradient) agree, and so does the CPU backend. out may be x.
#include "common.cuh"

extern "C" __global__ void dropout(const float* x, float* out, long long count, float p,
                                   unsigned long long seed) {
  float scale = 1.0f / (1.0f - p);
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    out[i] = x[i] * dropout_factor(seed, (unsigned long long) i, p, scale);
  }
}
