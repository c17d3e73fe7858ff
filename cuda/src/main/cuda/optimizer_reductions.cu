// optimizer_reductions.cu: the read-only passes an update runs before optimizer_update, and the
// per-tensor scalars made from them:
//   optimizer_partials      one block per chunk: Σ of one quantity over the chunk (a mode), in double
//   optimizer_clip_scale    the global gradient norm → clipScale = max / max(‖g‖, max)
//   optimizer_tensor_scalars one thread per tensor: its chunks' partials, in chunk order → AdaFactor's
//                           parameter scale and update clipping, LAMB's trust ratio × multipliers
#include "optimizer.cuh"

enum PartialsMode {
  GRADIENT_SQUARES = 0,   // Σ g² of the accumulated mean, not clipped (clipping by global norm)
  PARAMETER_SQUARES = 1,  // Σ θ² of the tensors AdaFactor scales by parameter
  UPDATE_SQUARES = 2,     // Σ u² of AdaFactor's raw update (update clipping)
  LAYER_ADAPTATION = 3    // Σ θ² and Σ Δ² (a dry run of the update) of the layer-adapted tensors
};

enum TensorScalarsMode {
  RESET = 0,             // no clipping, no parameter scale, the multipliers' product as the scale
  PARAMETER_SCALE = 1,   // max(rms(θ), value = ε₂)
  UPDATE_CLIPPING = 2,   // max(1, rms(u) / value = threshold), 1 for threshold 0
  TRUST_RATIO = 3        // ‖θ‖ / (‖Δ‖ / value = the rate), × multipliers
};

// partials[c] (and partials[chunks + c] for LAYER_ADAPTATION) of chunk c = blockIdx.x.
extern "C" __global__ void optimizer_partials(OPTIMIZER_PARAMETERS, int mode, int chunks,
                                              double* partials) {
  __shared__ double scratch[WARP_SIZE];
  OPTIMIZER_UPDATE;
  long long start;
  long long end;
  Tensor t = locate_chunk(u, blockIdx.x, start, end);
  int tensor_flags = t[T_FLAGS];
  double a = 0.0;
  double b = 0.0;
  if (mode == LAYER_ADAPTATION) {
    if (tensor_flags & ADAPTS) {
      for_each_element(u, t, start, end, [&](long long i, bool active) {
        float p = u.params[i];
        float m_i = u.m ? u.m[i] : 0.0f;
        float v_i = u.method == METHOD_ADAM ? u.v[i] : 0.0f;
        float d = element_delta(u, t, i, p, gradient(u, i, true), active, m_i, v_i);
        a += (double) p * p;
        b += (double) d * d;
      });
    }
  } else if (mode != PARAMETER_SQUARES || (tensor_flags & SCALES_BY_PARAMETER)) {
    for (long long i = start + threadIdx.x; i < end; i += blockDim.x) {
      float x;
      if (mode == GRADIENT_SQUARES) {
        x = gradient(u, i, false);
      } else if (mode == PARAMETER_SQUARES) {
        x = u.params[i];
      } else {
        float v_next;
        x = adafactor_u(u, t, i, gradient(u, i, true), v_next);
      }
      a += (double) x * x;
    }
  }
  a = block_sum(a, scratch);
  if (mode == LAYER_ADAPTATION) b = block_sum(b, scratch);
  if (threadIdx.x == 0) {
    partials[blockIdx.x] = a;
    partials[chunks + blockIdx.x] = b;
  }
}

// *clip_scale_out from the chunks' Σ g², added in chunk order (one block).
extern "C" __global__ void optimizer_clip_scale(const double* partials, int chunks,
                                                double clip_norm, float* clip_scale_out) {
  __shared__ double scratch[WARP_SIZE];
  long long first = (long long) chunks * threadIdx.x / blockDim.x;
  long long last = (long long) chunks * (threadIdx.x + 1) / blockDim.x;
  double sum = 0.0;
  for (long long c = first; c < last; c++) sum += partials[c];
  sum = block_sum(sum, scratch);
  if (threadIdx.x == 0) {
    double norm = sqrt(sum);
    *clip_scale_out = (float) (clip_norm / java_max(norm, clip_norm));
  }
}

extern "C" __global__ void optimizer_tensor_scalars(const int* tensors, const double* multipliers,
                                                    int tensor_count, const double* partials,
                                                    int chunks, int mode, double value,
                                                    float* tensor_scalars) {
  int index = blockIdx.x * blockDim.x + threadIdx.x;
  if (index >= tensor_count) return;
  Tensor t = tensor_at(tensors, index);
  float* s = tensor_scalars + (long long) index * TENSOR_SCALARS;
  if (mode == RESET) {
    s[S_CLIP_DIV] = 1.0f;
    s[S_PARAMETER_SCALE] = 1.0f;
    s[S_SCALE] = (float) multipliers[index];
    s[S_DENOMINATOR] = 1.0f;
    return;
  }
  int first = t[T_FIRST_CHUNK];
  int count = (t[T_SIZE] + t[T_CHUNK] - 1) / t[T_CHUNK];
  double a = 0.0;
  double b = 0.0;
  for (int c = first; c < first + count; c++) {
    a += partials[c];
    b += partials[chunks + c];
  }
  int flags = t[T_FLAGS];
  if (mode == PARAMETER_SCALE) {
    if (flags & SCALES_BY_PARAMETER) {
      s[S_PARAMETER_SCALE] = (float) java_max(sqrt(a / t[T_SIZE]), value);
    }
  } else if (mode == UPDATE_CLIPPING) {
    double rms = sqrt(a / t[T_SIZE]);
    s[S_CLIP_DIV] = value > 0.0 ? (float) java_max(1.0, rms / value) : 1.0f;
  } else if (flags & ADAPTS) {
    double theta_norm = sqrt(a);
    double delta_norm = sqrt(b) / value;
    double ratio = theta_norm > 0.0 && delta_norm > 0.0 ? theta_norm / delta_norm : 1.0;
    s[S_SCALE] = (float) (ratio * multipliers[index]);
  }
}
