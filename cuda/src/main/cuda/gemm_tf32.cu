// gemm_tf32.cu: the same products and epilogue as gemm.cu (see there for the three layouts), on the
// tensor cores in TF32 (inputs rounded to 10 mantissa bits, products accumulated in float32)
// through the wmma API, m16n16k8. Used only when TF32 is asked for (CudaKernels:
// bert4j.cuda.tf32=true): about 3 decimal digits per product instead of 7.
//
// A block computes a 128 × 128 tile of C with 8 warps in a 2 × 4 grid, each warp 64 × 32 (4 × 2
// accumulator fragments). K advances in steps of 16, the next step's tiles loaded into registers
// while the current ones are multiplied. Shared tiles are stored m-major (A, row_major fragments)
// and n-major (B, col_major fragments) whatever the global layout. The epilogue passes each
// accumulator fragment through a per-warp staging tile in shared memory, where the lanes apply
// accumulate, bias and activation and write the in-range elements.
#include <mma.h>
#include "common.cuh"

using namespace nvcuda;

#define TF32_THREADS 256
#define TF32_BM 128
#define TF32_BN 128
#define TF32_BK 16
#define TF32_LDS (TF32_BK + 4)
#define TF32_LDC (16 + 4)

template <bool A_KM, bool B_NK>
__device__ __forceinline__ void gemm_tf32(int M, int N, int K, const float* A, int lda,
                                          const float* B, int ldb, float* C, int ldc,
                                          int accumulate, const float* bias, int activation,
                                          float* out, int ldo) {
  constexpr int LOADS = TF32_BM * TF32_BK / TF32_THREADS;
  __shared__ __align__(32) float As[TF32_BM][TF32_LDS];
  __shared__ __align__(32) float Bs[TF32_BN][TF32_LDS];
  __shared__ __align__(32) float Cs[TF32_THREADS / WARP_SIZE][16 * TF32_LDC];

  int tid = threadIdx.x;
  int lane = tid % WARP_SIZE;
  int warp = tid / WARP_SIZE;
  int warp_m = warp / 4;
  int warp_n = warp % 4;
  int m0 = blockIdx.y * TF32_BM;
  int n0 = blockIdx.x * TF32_BN;

  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[4][2];
#pragma unroll
  for (int i = 0; i < 4; i++)
#pragma unroll
    for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.0f);

  // Element e of a tile is (row, kk) = (e / BK, e % BK) when stored along k, else
  // (e % 128, e / 128).
  float ra[LOADS];
  float rb[LOADS];
  auto load = [&](int k0) {
#pragma unroll
    for (int l = 0; l < LOADS; l++) {
      int e = tid + l * TF32_THREADS;
      int kk = A_KM ? e / TF32_BM : e % TF32_BK;
      int m = m0 + (A_KM ? e % TF32_BM : e / TF32_BK);
      int k = k0 + kk;
      long long at = A_KM ? (long long) k * lda + m : (long long) m * lda + k;
      ra[l] = m < M && k < K ? A[at] : 0.0f;
      kk = B_NK ? e % TF32_BK : e / TF32_BN;
      int n = n0 + (B_NK ? e / TF32_BK : e % TF32_BN);
      k = k0 + kk;
      at = B_NK ? (long long) n * ldb + k : (long long) k * ldb + n;
      rb[l] = n < N && k < K ? B[at] : 0.0f;
    }
  };

  load(0);
  for (int k0 = 0; k0 < K; k0 += TF32_BK) {
#pragma unroll
    for (int l = 0; l < LOADS; l++) {
      int e = tid + l * TF32_THREADS;
      if (A_KM) As[e % TF32_BM][e / TF32_BM] = ra[l];
      else As[e / TF32_BK][e % TF32_BK] = ra[l];
      if (B_NK) Bs[e / TF32_BK][e % TF32_BK] = rb[l];
      else Bs[e % TF32_BN][e / TF32_BN] = rb[l];
    }
    __syncthreads();
    if (k0 + TF32_BK < K) load(k0 + TF32_BK);
#pragma unroll
    for (int ks = 0; ks < TF32_BK; ks += 8) {
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> a[4];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major> b[2];
#pragma unroll
      for (int i = 0; i < 4; i++) {
        wmma::load_matrix_sync(a[i], &As[warp_m * 64 + i * 16][ks], TF32_LDS);
#pragma unroll
        for (int t = 0; t < a[i].num_elements; t++) a[i].x[t] = wmma::__float_to_tf32(a[i].x[t]);
      }
#pragma unroll
      for (int j = 0; j < 2; j++) {
        wmma::load_matrix_sync(b[j], &Bs[warp_n * 32 + j * 16][ks], TF32_LDS);
#pragma unroll
        for (int t = 0; t < b[j].num_elements; t++) b[j].x[t] = wmma::__float_to_tf32(b[j].x[t]);
      }
#pragma unroll
      for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 2; j++) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }

  float* stage = Cs[warp];
#pragma unroll
  for (int i = 0; i < 4; i++) {
#pragma unroll
    for (int j = 0; j < 2; j++) {
      wmma::store_matrix_sync(stage, acc[i][j], TF32_LDC, wmma::mem_row_major);
      __syncwarp();
      for (int e = lane; e < 256; e += WARP_SIZE) {
        int m = m0 + warp_m * 64 + i * 16 + e / 16;
        int n = n0 + warp_n * 32 + j * 16 + e % 16;
        if (m >= M || n >= N) continue;
        float v = stage[(e / 16) * TF32_LDC + e % 16];
        long long at = (long long) m * ldc + n;
        if (accumulate) v += C[at];
        if (bias) v += bias[n];
        C[at] = v;
        if (out) out[(long long) m * ldo + n] = activate_call(activation, v);
      }
      __syncwarp();
    }
  }
}

#define GEMM_TF32_KERNEL(name, A_KM, B_NK)                                                       \
  extern "C" __global__ void __launch_bounds__(TF32_THREADS)                                     \
  name(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, \
       int accumulate, const float* bias, int activation, float* out, int ldo) {                 \
    gemm_tf32<A_KM, B_NK>(M, N, K, A, lda, B, ldb, C, ldc, accumulate, bias, activation, out,    \
                          ldo);                                                                  \
  }

GEMM_TF32_KERNEL(gemm_tf32_nt, false, true)
GEMM_TF32_KERNEL(gemm_tf32_nn, false, false)
GEMM_TF32_KERNEL(gemm_tf32_tn, true, false)
