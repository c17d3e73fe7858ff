// common.cuh: what several bert4j kernels share: warp and block reductions, the activations and
// their derivatives (codes as in CudaKernels.activationCode), and the counter-based dropout draw,
// bit for bit the CPU backend's (DropoutKernels.uniform).
#pragma once

#define WARP_SIZE 32
#define FULL_MASK 0xffffffffu

enum ActivationCode { ACT_NONE = 0, ACT_GELU = 1, ACT_GELU_TANH = 2, ACT_RELU = 3, ACT_SWISH = 4,
                      ACT_TANH = 5 };

#define SQRT_HALF 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f
#define SQRT_2_OVER_PI 0.79788456080286536f
#define GELU_TANH_CUBIC 0.044715f

__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(FULL_MASK, v, offset);
  return v;
}

__device__ __forceinline__ double warp_sum(double v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(FULL_MASK, v, offset);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, offset));
  }
  return v;
}

// The sum of v over a block of blockDim.x threads (a multiple of 32, at most 1024), in a fixed
// order; every thread gets it. `scratch` holds 32 doubles of shared memory.
__device__ __forceinline__ double block_sum(double v, double* scratch) {
  int lane = threadIdx.x % WARP_SIZE;
  int warp = threadIdx.x / WARP_SIZE;
  v = warp_sum(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  int warps = blockDim.x / WARP_SIZE;
  v = lane < warps ? scratch[lane] : 0.0;
  return warp_sum(v);
}

// The max of v over a block, like block_sum.
__device__ __forceinline__ float block_max(float v, float* scratch) {
  int lane = threadIdx.x % WARP_SIZE;
  int warp = threadIdx.x / WARP_SIZE;
  v = warp_max(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  int warps = blockDim.x / WARP_SIZE;
  v = lane < warps ? scratch[lane] : -INFINITY;
  return warp_max(v);
}

__device__ __forceinline__ float activate(int activation, float x) {
  switch (activation) {
    case ACT_GELU: return 0.5f * x * (1.0f + erff(x * SQRT_HALF));
    case ACT_GELU_TANH: {
      float u = SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x);
      return x / (1.0f + expf(-2.0f * u));  // ½x(1 + tanh u) = x·σ(2u)
    }
    case ACT_RELU: return fmaxf(x, 0.0f);
    case ACT_SWISH: return x / (1.0f + expf(-x));
    case ACT_TANH: return tanhf(x);
    default: return x;
  }
}

// activate() as a call: the gemm epilogues unroll over dozens of outputs, and inlining the
// activation (erff, expf) into each would multiply the code size for no gain.
static __device__ __noinline__ float activate_call(int activation, float x) {
  return activate(activation, x);
}

// d activate(x) / dx.
__device__ __forceinline__ float activate_derivative(int activation, float x) {
  switch (activation) {
    case ACT_GELU:
      return 0.5f * (1.0f + erff(x * SQRT_HALF)) + x * INV_SQRT_2PI * expf(-0.5f * x * x);
    case ACT_GELU_TANH: {
      float u = SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x);
      float s = 1.0f / (1.0f + expf(-2.0f * u));
      float du = SQRT_2_OVER_PI * (1.0f + 3.0f * GELU_TANH_CUBIC * x * x);
      return s + 2.0f * x * s * (1.0f - s) * du;
    }
    case ACT_RELU: return x > 0.0f ? 1.0f : 0.0f;
    case ACT_SWISH: {
      float s = 1.0f / (1.0f + expf(-x));
      return s * (1.0f + x * (1.0f - s));
    }
    case ACT_TANH: {
      float t = tanhf(x);
      return 1.0f - t * t;
    }
    default: return 1.0f;
  }
}

// The uniform in [0, 1) that decides the fate of element `index` under `seed`: SplitMix64's
// finaliser of seed ^ index·golden, top 24 bits. Element kept iff dropout_uniform(...) >= p.
__device__ __forceinline__ float dropout_uniform(unsigned long long seed,
                                                 unsigned long long index) {
  unsigned long long z = seed ^ (index * 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (float) (z >> 40) * 5.9604644775390625e-8f;  // 2^-24
}

// The factor inverted dropout multiplies element `index` by: 1/(1 − p) when kept, 0 when dropped.
__device__ __forceinline__ float dropout_factor(unsigned long long seed, unsigned long long index,
                                                float p, float scale) {
  return dropout_uniform(seed, index) >= p ? scale : 0.0f;
}
