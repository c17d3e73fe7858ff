// optimizer.cuh: what the passes of the fused optimizer update share (optimizer.cu,
// optimizer_reductions.cu, adafactor.cu): the per-tensor table DeviceOptimizer uploads, the
// arguments of one update, and the arithmetic of one element, in the float operations of the CPU
// backend's CpuOptimizerStep, operation for operation.
//
// The flat buffers are cut into chunks (one block each) that never cross a tensor and hold whole
// rows where a tensor is lazy or factored; every reduction sums per-chunk (or per-row-chunk)
// partials in a fixed order, in double, so a run never depends on the launch.
#pragma once

#include "common.cuh"

// One row of ints per tensor (DeviceOptimizer.tensorTable). The FIRST_* columns are prefix sums,
// so the tensor of a chunk, a factored row, column or tile is found by binary search.
enum TensorColumn {
  T_OFFSET = 0,         // where the tensor starts in the flat buffers
  T_SIZE = 1,           // floats
  T_ROW = 2,            // row length: the last dimension (the columns of a factored tensor)
  T_CHUNK = 3,          // floats per chunk (whole rows when lazy or factored)
  T_FIRST_CHUNK = 4,
  T_FLAGS = 5,          // TensorFlag bits
  T_ROWS = 6,           // size / row length
  T_V_OFFSET = 7,       // AdaFactor: where its second moment starts in region V
  T_FIRST_ROW = 8,      // among the rows of factored tensors
  T_FIRST_COLUMN = 9,   // among the columns of factored tensors
  T_FIRST_TILE = 10,    // among the column-partial tiles of factored tensors
  T_COLUMN_PARTIALS = 11,  // where its column partials start
  TENSOR_INTS = 12
};

enum TensorFlag { DECAYS = 1, ADAPTS = 2, LAZY = 4, FACTORED = 8, SCALES_BY_PARAMETER = 16 };

// The per-tensor scalars of one update (4 floats per tensor), from the reductions.
enum TensorScalar { S_CLIP_DIV = 0, S_PARAMETER_SCALE = 1, S_SCALE = 2, S_DENOMINATOR = 3,
                    TENSOR_SCALARS = 4 };

// The methods, as DeviceOptimizer numbers them.
enum MethodCode { METHOD_ADAM = 0, METHOD_SGD = 1, METHOD_LION = 2, METHOD_ADAFACTOR = 3 };

enum UpdateFlag { NESTEROV = 1, INITIALIZES_SLOW = 2, SYNCHRONIZES = 4 };

// AdaFactor's column statistics are summed over this many rows per partial, and tiled over this
// many columns per block.
#define ADAFACTOR_ROWS_PER_PARTIAL 64
#define ADAFACTOR_COLUMNS_PER_TILE 128

// The arguments every pass of an update takes first, in this order (DeviceOptimizer.stepArgs):
// the buffers (null where the optimizer keeps no such state; clip_scale null without clipping),
// the tensor table and the per-tensor scalars, then the scalars of the step (OptimizerStep; beta1
// is SGD's momentum for SGD).
#define OPTIMIZER_PARAMETERS                                                                     \
  float *params, const float *grads, float *m, float *v, float *slow, float *ema, float *acc,     \
      const int *tensors, int tensor_count, float *tensor_scalars, const float *clip_scale,       \
      int method, int flags, float rate, float beta1, float beta2, float one_minus_beta1,         \
      float one_minus_beta2, float m_scale, float v_scale, float epsilon, float epsilon1,         \
      float weight_decay, float accumulation, float alpha, float ema_momentum, float ema_rest

#define OPTIMIZER_UPDATE                                                                         \
  const Update u = {params, grads, m, v, slow, ema, acc, tensors, tensor_count, tensor_scalars,   \
                    clip_scale, method, flags, rate, beta1, beta2, one_minus_beta1,               \
                    one_minus_beta2, m_scale, v_scale, epsilon, epsilon1, weight_decay,           \
                    accumulation, alpha, ema_momentum, ema_rest}

struct Update {
  float* params;
  const float* grads;
  float* m;
  float* v;
  float* slow;
  float* ema;
  float* acc;
  const int* tensors;
  int tensor_count;
  float* tensor_scalars;
  const float* clip_scale;
  int method;
  int flags;
  float rate;
  float beta1;
  float beta2;
  float one_minus_beta1;
  float one_minus_beta2;
  float m_scale;
  float v_scale;
  float epsilon;
  float epsilon1;
  float weight_decay;
  float accumulation;
  float alpha;
  float ema_momentum;
  float ema_rest;
};

struct Tensor {
  int index;
  const int* row;  // its row of the table
  __device__ int operator[](int column) const { return row[column]; }
};

__device__ __forceinline__ Tensor tensor_at(const int* table, int t) {
  return Tensor{t, table + (long long) t * TENSOR_INTS};
}

// The tensor whose range of a prefix-sum column holds `index`: the last t with
// table[t][column] <= index (tensors with an empty range share the next one's start).
__device__ __forceinline__ Tensor find_tensor(const int* table, int count, int column,
                                              long long index) {
  int lo = 0;
  int hi = count;
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if (table[(long long) mid * TENSOR_INTS + column] <= index) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return tensor_at(table, lo);
}

// Java's Math.max on doubles: NaN if either is.
__device__ __forceinline__ double java_max(double a, double b) {
  return (a != a || a >= b) ? a : b;
}

// Java's Math.signum on floats: ±1, or the argument itself when it is ±0 or NaN.
__device__ __forceinline__ float java_signum(float x) {
  return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x;
}

// The gradient the base rule sees: the mean of the accumulated window, clipped when asked.
__device__ __forceinline__ float gradient(const Update& u, long long i, bool clipped) {
  float g = u.grads[i];
  if (u.acc) g = (u.acc[i] + g) / u.accumulation;
  if (clipped && u.clip_scale) g *= *u.clip_scale;
  return g;
}

// AdaFactor's raw update g/√(v + ε₁) with this update's second moment: the factored statistics
// already advanced in V (adafactor.cu), or an unfactored v advanced here into `v_next`.
__device__ __forceinline__ float adafactor_u(const Update& u, const Tensor& t, long long i,
                                             float g, float& v_next) {
  int local = (int) (i - t[T_OFFSET]);  // tensors hold fewer than 2^31 floats (BoundOptimizer)
  if (t[T_FLAGS] & FACTORED) {
    int cols = t[T_ROW];
    float row_stat = u.v[t[T_V_OFFSET] + local / cols];
    float col_stat = u.v[t[T_V_OFFSET] + t[T_ROWS] + local % cols];
    float stat = row_stat * col_stat / u.tensor_scalars[t.index * TENSOR_SCALARS + S_DENOMINATOR];
    return g / sqrtf(stat + u.epsilon1);
  }
  float vi = u.beta2 * u.v[t[T_V_OFFSET] + local] + u.one_minus_beta2 * (g * g + u.epsilon1);
  v_next = vi;
  return g / sqrtf(vi + u.epsilon1);
}

// The update so far of element i, Δ (base rule and weight decay), from θ = p and the processed
// gradient g; advances the moments it keeps in `m_i` and `v_i` (loaded by the caller: m, and v for
// Adam; an unfactored AdaFactor v comes back in v_i). An element of an inactive lazy row gets 0 and
// keeps its moments.
__device__ __forceinline__ float element_delta(const Update& u, const Tensor& t, long long i,
                                               float p, float g, bool active, float& m_i,
                                               float& v_i) {
  if (!active) return 0.0f;
  float wd = (t[T_FLAGS] & DECAYS) ? u.weight_decay : 0.0f;
  switch (u.method) {
    case METHOD_ADAM: {
      float mi = u.beta1 * m_i + u.one_minus_beta1 * g;
      float vi = u.beta2 * v_i + u.one_minus_beta2 * g * g;
      m_i = mi;
      v_i = vi;
      float step = -u.rate * u.m_scale;
      return step * mi / (sqrtf(vi * u.v_scale) + u.epsilon) - wd * p;
    }
    case METHOD_SGD: {
      float mu = u.beta1;
      if (mu == 0.0f) return -(u.rate * g) - wd * p;
      float velocity = mu * m_i - u.rate * g;
      m_i = velocity;
      if (u.flags & NESTEROV) return (mu * velocity - u.rate * g) - wd * p;
      return velocity - wd * p;
    }
    case METHOD_LION: {
      float direction = java_signum(u.beta1 * m_i + u.one_minus_beta1 * g);
      m_i = u.beta2 * m_i + u.one_minus_beta2 * g;
      return -(u.rate * direction) - wd * p;
    }
    default: {
      const float* scalars = u.tensor_scalars + t.index * TENSOR_SCALARS;
      float ui = adafactor_u(u, t, i, g, v_i) / scalars[S_CLIP_DIV];
      if (u.beta1 > 0.0f) {
        ui = u.beta1 * m_i + u.one_minus_beta1 * ui;
        m_i = ui;
      }
      return -(u.rate * (ui * scalars[S_PARAMETER_SCALE])) - wd * p;
    }
  }
}

// Chunk `chunk` of the flat buffers: its tensor and its range [start, end).
__device__ __forceinline__ Tensor locate_chunk(const Update& u, int chunk, long long& start,
                                               long long& end) {
  Tensor t = find_tensor(u.tensors, u.tensor_count, T_FIRST_CHUNK, chunk);
  start = t[T_OFFSET] + (long long) (chunk - t[T_FIRST_CHUNK]) * t[T_CHUNK];
  end = min((long long) t[T_OFFSET] + t[T_SIZE], start + t[T_CHUNK]);
  return t;
}

// Calls body(i, active) for every element of [start, end) of tensor t, spread over the block's
// threads. In a lazy tensor each warp takes whole rows, a row active when some processed gradient
// in it is not 0; so every thread of a warp must call it.
template <typename Body>
__device__ __forceinline__ void for_each_element(const Update& u, const Tensor& t,
                                                 long long start, long long end, Body body) {
  if (!(t[T_FLAGS] & LAZY)) {
    for (long long i = start + threadIdx.x; i < end; i += blockDim.x) body(i, true);
    return;
  }
  int row = t[T_ROW];
  int lane = threadIdx.x % WARP_SIZE;
  int warps = blockDim.x / WARP_SIZE;
  for (long long from = start + (long long) (threadIdx.x / WARP_SIZE) * row; from < end;
       from += (long long) warps * row) {
    float nonzero = 0.0f;
    for (int j = lane; j < row; j += WARP_SIZE) {
      if (gradient(u, from + j, true) != 0.0f) nonzero = 1.0f;
    }
    bool active = warp_sum(nonzero) > 0.0f;
    for (int j = lane; j < row; j += WARP_SIZE) body(from + j, active);
  }
}
