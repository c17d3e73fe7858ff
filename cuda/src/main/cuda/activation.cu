// activation.cu: the backward of the activations, dPre[i] = dOut[i]·act'(pre[i]) (dPre may be
// dOut). Their forward is fused into the gemm epilogue (gemm.cu).
#include "common.cuh"

extern "C" __global__ void activation_backward(int activation, const float* pre, const float* d_out,
                                               float* d_pre, long long count) {
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    d_pre[i] = d_out[i] * activate_derivative(activation, pre[i]);
  }
}
