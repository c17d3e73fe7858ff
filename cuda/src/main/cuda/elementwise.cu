// elementwise.cu: out = a ⊙ b (Kernels.multiply, T5 1.1's gate) and out = alpha·x (Kernels.scale, as scale_values),
// grid-stride, each thread reading its element before writing it, so out may be an input.
#include "common.cuh"

extern "C" __global__ void multiply(const float* a, const float* b, float* out, long long count) {
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    out[i] = a[i] * b[i];
  }
}

extern "C" __global__ void scale_values(const float* x, float alpha, float* out, long long count) {
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    out[i] = alpha * x[i];
  }
}
