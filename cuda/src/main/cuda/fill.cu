// fill.cu: target[i] = value for i in [0, count). (Kernels.fill; new memory comes zeroed from the
// allocation.)
#include "common.cuh"

extern "C" __global__ void fill(float* target, long long count, float value) {
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    target[i] = value;
  }
}
