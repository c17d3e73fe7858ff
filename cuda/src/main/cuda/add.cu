// add.cu: out[i] = a[i] + b[i] for i in [0, count) (Kernels.add). Each thread reads its elements
// before writing them, so out may be a or b.
#include "common.cuh"

extern "C" __global__ void add(const float* a, const float* b, float* out, long long count) {
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    out[i] = a[i] + b[i];
  }
}
