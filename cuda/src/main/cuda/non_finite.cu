// non_finite.cu: the index of the first NaN or ±Inf among count floats (Kernels.firstNonFinite),
// without atomics, in two launches: each block of the first writes the lowest index its threads
// find (count when none) to partials[block]; one block of the second takes the lowest partial and
// writes it, or -1, as a double (exact for any index below 2^53) for the host to read.
#include "common.cuh"

#define FLOAT_MAX 3.40282347e+38f

// The lowest v over a block of blockDim.x threads (a multiple of 32, at most 1024); every thread
// gets it. `scratch` holds 32 long longs of shared memory.
__device__ __forceinline__ long long block_min_index(long long v, long long* scratch) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    v = min(v, __shfl_xor_sync(FULL_MASK, v, offset));
  }
  int lane = threadIdx.x % WARP_SIZE;
  int warp = threadIdx.x / WARP_SIZE;
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  int warps = blockDim.x / WARP_SIZE;
  v = lane < warps ? scratch[lane] : scratch[0];
  for (int offset = 16; offset > 0; offset >>= 1) {
    v = min(v, __shfl_xor_sync(FULL_MASK, v, offset));
  }
  return v;
}

// Grid-stride: a thread's first hit is its lowest, so it stops there.
extern "C" __global__ void non_finite_partials(const float* x, long long count,
                                               long long* partials) {
  __shared__ long long scratch[WARP_SIZE];
  long long stride = (long long) gridDim.x * blockDim.x;
  long long first = count;
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    if (!(fabsf(x[i]) <= FLOAT_MAX)) {
      first = i;
      break;
    }
  }
  first = block_min_index(first, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = first;
}

// *result = the lowest of `blocks` partials, or -1 when it is count (nothing found). One block.
extern "C" __global__ void non_finite_first(const long long* partials, int blocks,
                                            long long count, double* result) {
  __shared__ long long scratch[WARP_SIZE];
  long long first = count;
  for (int b = threadIdx.x; b < blocks; b += blockDim.x) first = min(first, partials[b]);
  first = block_min_index(first, scratch);
  if (threadIdx.x == 0) *result = first == count ? -1.0 : (double) first;
}
