// gemm.cu: the dense layers' matrix products in float32 on the CUDA cores, with the epilogue fused:
//   C = op(A)·op(B)  (+ C when accumulating)  (+ bias[n]),  then out = act(C) when out is given.
// Three storage layouts cover the forward and both backward products of a linear layer
// (w is [out, in] as in Hugging Face):
//   nt: A [M, K], B [N, K]:  C = A·Bᵀ   pre = x·wᵀ + bias           (forward)
//   nn: A [M, K], B [K, N]:  C = A·B    dx = dPre·w                  (backward, input gradient)
//   tn: A [K, M], B [K, N]:  C = Aᵀ·B   dw += dPreᵀ·x                (backward, weight gradient)
// Each block computes a BM × BN tile of C with 256 threads, 16 × 16 of them, each owning a
// (BM/16) × (BN/16) sub-tile strided by 16 (so shared-memory reads are conflict-free and stores
// coalesce). K advances in steps of 8: the next step's tiles are loaded into registers while the
// current one is multiplied from shared memory. Every output is a sum over k in increasing order,
// so results do not depend on the launch. Out-of-range rows and columns load as zeros.
#include "common.cuh"

#define GEMM_THREADS 256
#define GEMM_BK 8
#define GEMM_PAD 4

template <bool A_KM, bool B_NK, int BM, int BN>
__device__ __forceinline__ void gemm(int M, int N, int K, const float* A, int lda, const float* B,
                                     int ldb, float* C, int ldc, int accumulate, const float* bias,
                                     int activation, float* out, int ldo) {
  constexpr int TM = BM / 16;
  constexpr int TN = BN / 16;
  constexpr int LOADS_A = BM * GEMM_BK / GEMM_THREADS;
  constexpr int LOADS_B = BN * GEMM_BK / GEMM_THREADS;
  __shared__ float As[GEMM_BK][BM + GEMM_PAD];
  __shared__ float Bs[GEMM_BK][BN + GEMM_PAD];

  int tid = threadIdx.x;
  int tx = tid % 16;
  int ty = tid / 16;
  int m0 = blockIdx.y * BM;
  int n0 = blockIdx.x * BN;

  float acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; i++)
#pragma unroll
    for (int j = 0; j < TN; j++) acc[i][j] = 0.0f;

  // Element e of a tile is (kk, mm) = (e % BK, e / BK) when the operand is stored along k, else
  // (e / BM, e % BM): either way consecutive threads read consecutive addresses.
  float ra[LOADS_A];
  float rb[LOADS_B];
  auto load = [&](int k0) {
#pragma unroll
    for (int l = 0; l < LOADS_A; l++) {
      int e = tid + l * GEMM_THREADS;
      int kk = A_KM ? e / BM : e % GEMM_BK;
      int mm = A_KM ? e % BM : e / GEMM_BK;
      int m = m0 + mm;
      int k = k0 + kk;
      long long at = A_KM ? (long long) k * lda + m : (long long) m * lda + k;
      ra[l] = m < M && k < K ? A[at] : 0.0f;
    }
#pragma unroll
    for (int l = 0; l < LOADS_B; l++) {
      int e = tid + l * GEMM_THREADS;
      int kk = B_NK ? e % GEMM_BK : e / BN;
      int nn = B_NK ? e / GEMM_BK : e % BN;
      int n = n0 + nn;
      int k = k0 + kk;
      long long at = B_NK ? (long long) n * ldb + k : (long long) k * ldb + n;
      rb[l] = n < N && k < K ? B[at] : 0.0f;
    }
  };

  load(0);
  for (int k0 = 0; k0 < K; k0 += GEMM_BK) {
#pragma unroll
    for (int l = 0; l < LOADS_A; l++) {
      int e = tid + l * GEMM_THREADS;
      if (A_KM) As[e / BM][e % BM] = ra[l];
      else As[e % GEMM_BK][e / GEMM_BK] = ra[l];
    }
#pragma unroll
    for (int l = 0; l < LOADS_B; l++) {
      int e = tid + l * GEMM_THREADS;
      if (B_NK) Bs[e % GEMM_BK][e / GEMM_BK] = rb[l];
      else Bs[e / BN][e % BN] = rb[l];
    }
    __syncthreads();
    if (k0 + GEMM_BK < K) load(k0 + GEMM_BK);
#pragma unroll
    for (int kk = 0; kk < GEMM_BK; kk++) {
      float a[TM];
      float b[TN];
#pragma unroll
      for (int i = 0; i < TM; i++) a[i] = As[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < TN; j++) b[j] = Bs[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < TM; i++)
#pragma unroll
        for (int j = 0; j < TN; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < TM; i++) {
    int m = m0 + ty + 16 * i;
    if (m >= M) continue;
#pragma unroll
    for (int j = 0; j < TN; j++) {
      int n = n0 + tx + 16 * j;
      if (n >= N) continue;
      float v = acc[i][j];
      long long at = (long long) m * ldc + n;
      if (accumulate) v += C[at];
      if (bias) v += bias[n];
      C[at] = v;
      if (out) out[(long long) m * ldo + n] = activate_call(activation, v);
    }
  }
}

#define GEMM_KERNEL(name, A_KM, B_NK, BM, BN)                                                    \
  extern "C" __global__ void __launch_bounds__(GEMM_THREADS)                                     \
  name(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, \
       int accumulate, const float* bias, int activation, float* out, int ldo) {                 \
    gemm<A_KM, B_NK, BM, BN>(M, N, K, A, lda, B, ldb, C, ldc, accumulate, bias, activation, out, \
                             ldo);                                                               \
  }

// 128 × 128 tiles for large products, 64 × 64 where the large tiles would leave SMs idle.
GEMM_KERNEL(gemm_nt_128, false, true, 128, 128)
GEMM_KERNEL(gemm_nn_128, false, false, 128, 128)
GEMM_KERNEL(gemm_tn_128, true, false, 128, 128)
GEMM_KERNEL(gemm_nt_64, false, true, 64, 64)
GEMM_KERNEL(gemm_nn_64, false, false, 64, 64)
GEMM_KERNEL(gemm_tn_64, true, false, 64, 64)
