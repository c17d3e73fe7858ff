// optimizer.cu: the fused optimizer update, every method and extension on the device, in the float
// operations of the CPU backend's CpuOptimizerStep. A training step that only accumulates adds the
// gradient to the accumulator (optimizer_accumulate). An update first runs the reductions it needs
// (optimizer_reductions.cu, adafactor.cu), then optimizer_update, one block per chunk: each element
// of θ, the gradient and the state is read once and written once, through the whole chain
//   g = mean of the accumulated window, clipped → base rule at the scheduled rate → weight decay
//   → lazy rows → × (layer adaptation ratio · multipliers) → lookahead → moving average
// and the accumulator is cleared.
#include "optimizer.cuh"

extern "C" __global__ void optimizer_accumulate(const float* grads, float* acc, long long count) {
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    acc[i] += grads[i];
  }
}

// One element's whole update, stored.
__device__ __forceinline__ void update_element(const Update& u, const Tensor& t, long long i,
                                               bool active) {
  float p = u.params[i];
  float g = gradient(u, i, true);
  float m_i = u.m ? u.m[i] : 0.0f;
  float v_i = u.method == METHOD_ADAM ? u.v[i] : 0.0f;
  bool initializes = u.flags & INITIALIZES_SLOW;
  bool synchronizes = u.flags & SYNCHRONIZES;
  float slow_i = initializes ? p : synchronizes ? u.slow[i] : 0.0f;
  float d = element_delta(u, t, i, p, g, active, m_i, v_i);
  p = p + d * u.tensor_scalars[t.index * TENSOR_SCALARS + S_SCALE];
  if (synchronizes) {
    float q = slow_i + u.alpha * (p - slow_i);
    slow_i = q;
    p = q;
  }
  if (u.ema) u.ema[i] = u.ema_momentum * u.ema[i] + u.ema_rest * p;
  u.params[i] = p;
  if (initializes || synchronizes) u.slow[i] = slow_i;
  if (active) {
    if (u.m) u.m[i] = m_i;
    if (u.method == METHOD_ADAM) {
      u.v[i] = v_i;
    } else if (u.method == METHOD_ADAFACTOR && !(t[T_FLAGS] & FACTORED)) {
      u.v[t[T_V_OFFSET] + (i - t[T_OFFSET])] = v_i;
    }
  }
  if (u.acc) u.acc[i] = 0.0f;
}

// The update of chunk blockIdx.x, once the per-tensor scalars (and AdaFactor's factored
// statistics) of this update are in place.
extern "C" __global__ void optimizer_update(OPTIMIZER_PARAMETERS) {
  OPTIMIZER_UPDATE;
  long long start;
  long long end;
  Tensor t = locate_chunk(u, blockIdx.x, start, end);
  for_each_element(u, t, start, end,
                   [&](long long i, bool active) { update_element(u, t, i, active); });
}
