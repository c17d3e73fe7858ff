// optimizer.cu: the fused optimizer update, one pass over the flat parameter, gradient and state
// buffers, in the same float operations as OptimizerProgram.applyOnHost:
//   adam:  m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;  θ −= lr·(m·m_scale)/(√(v·v_scale) + ε)
//          (m_scale, v_scale: the bias corrections 1/(1 − βᵗ), or 1)
//   sgd:   v = μv − lr·g; θ += v (Nesterov: θ += μv − lr·g); plain θ −= lr·g without velocity.
#include "common.cuh"

extern "C" __global__ void adam_step(float* params, const float* grads, float* m, float* v,
                                     int count, float beta1, float beta2, float one_minus_beta1,
                                     float one_minus_beta2, float m_scale, float v_scale,
                                     float rate, float epsilon) {
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    float g = grads[i];
    float mi = beta1 * m[i] + one_minus_beta1 * g;
    float vi = beta2 * v[i] + one_minus_beta2 * g * g;
    m[i] = mi;
    v[i] = vi;
    params[i] = params[i] - rate * (mi * m_scale) / (sqrtf(vi * v_scale) + epsilon);
  }
}

extern "C" __global__ void sgd_step(float* params, const float* grads, float* velocity, int count,
                                    float rate, float momentum, int nesterov) {
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    float g = grads[i];
    if (!velocity) {
      params[i] = params[i] - rate * g;
      continue;
    }
    float vi = momentum * velocity[i] - rate * g;
    velocity[i] = vi;
    params[i] = params[i] + (nesterov ? momentum * vi - rate * g : vi);
  }
}
