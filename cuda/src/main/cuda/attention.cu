// attention.cu: multi-head attention, forward and backward, fused per (query or key tile, head,
// sequence), in the manner of FlashAttention but in float32 on the CUDA cores.
//
// Layout: q, k are [batch, seq, heads·dk] with rows qk_stride floats apart, v is [batch, seq,
// heads·dv] with rows v_stride apart (heads·dk and heads·dv for tensors of their own; the fused
// q·k·v product's width when they are its column blocks, read in place), and dq, dk, dv are laid
// out as q, k, v; ctx is [batch, seq, heads·dv]; probs is [batch, heads, seq, seq]. Mask, per
// token (host-computed from the ids, see CudaKernels):
//   key_rank[j]   = INT_MAX for padding, else c[j] for UNILM, else 0
//   query_rank[i] = −1 when query i may see no key at all, else c[i] for UNILM, else 0
// with c = cumsum(segment ids). Key j is visible to query i iff key_rank[j] <= query_rank[i] (and
// j <= i when causal, the LM mask). A query that sees no key attends uniformly to every key
// (probability 1/seq), as in the CPU backend.
//
// Forward, one block per (32 or 16 queries, head, sequence): key tiles of 32 stream through shared
// memory; each warp keeps the running max and sum of its query rows (online softmax), lane = key.
// The block accumulates ctx = Σ_j e^(s_ij − max)·drop_ij·v_j, rescaling as the max grows, and
// divides by the sum at the end. The logits go to probs as they are computed, and once a row's max
// and sum are final its warp rewrites them as probabilities, the p = e^(s − max)/sum the backward
// reads (exactly 0 where masked). Dropout acts on the probabilities: element (b, h, i, j) has index
// ((b·heads + h)·seq + i)·seq + j in the shared counter-based draw (common.cuh).
//
// Backward, from the saved probabilities P and the redrawn dropout factors f:
//   dP_ij = dctx_i·v_j,  D_i = Σ_j P_ij·f_ij·dP_ij,  dS_ij = P_ij·(f_ij·dP_ij − D_i)
// except that a query that sees no key (the constant 1/seq) has dS_i = 0: it sends no gradient to
// q or k, as bert4keras's −1e12 logits; its values still get theirs.
//   dq_i = scale·Σ_j dS_ij·k_j       (attention_backward_dq: one block per query tile, two sweeps
//                                    over the keys: D first, then dS and dq; also stores D)
//   dk_j = scale·Σ_i dS_ij·q_i, dv_j = Σ_i P_ij·f_ij·dctx_i
//                                   (attention_backward_dkdv: one block per key tile, one sweep
//                                    over the queries, reading D)
// Every sum runs in a fixed order, so results are the same on every run.
#include "common.cuh"

#define ATT_THREADS 128
#define ATT_WARPS 4
#define ATT_KEYS 32

template <int DMAX, int BQ>
__device__ __forceinline__ void attention_forward(int seq, int heads, int dk, int dv,
                                                  int qk_stride, int v_stride, float scale,
                                                  int causal, const int* key_rank,
                                                  const int* query_rank, const float* q,
                                                  const float* k, const float* v, float* probs,
                                                  float* ctx, float dropout,
                                                  unsigned long long seed) {
  constexpr int ROWS_PER_WARP = BQ / ATT_WARPS;
  constexpr int THREADS_PER_ROW = ATT_THREADS / BQ;
  constexpr int COLS = DMAX / THREADS_PER_ROW;
  __shared__ float Qs[BQ][DMAX];
  __shared__ float Ks[ATT_KEYS][DMAX + 1];
  __shared__ float Vs[ATT_KEYS][DMAX];
  __shared__ float Ps[BQ][ATT_KEYS + 1];
  __shared__ float alphas[BQ];
  __shared__ float sums[BQ];

  int tid = threadIdx.x;
  int lane = tid % WARP_SIZE;
  int warp = tid / WARP_SIZE;
  int i0 = blockIdx.x * BQ;
  int h = blockIdx.y;
  int b = blockIdx.z;
  int v_width = heads * dv;
  const float* qb = q + (long long) b * seq * qk_stride + h * dk;
  const float* kb = k + (long long) b * seq * qk_stride + h * dk;
  const float* vb = v + (long long) b * seq * v_stride + h * dv;
  float* pb = probs + ((long long) b * heads + h) * seq * seq;
  unsigned long long first = ((unsigned long long) b * heads + h) * seq * seq;
  float keep_scale = 1.0f / (1.0f - dropout);

  for (int e = tid; e < BQ * DMAX; e += ATT_THREADS) {
    int r = e / DMAX;
    int d = e % DMAX;
    int i = i0 + r;
    Qs[r][d] = i < seq && d < dk ? qb[(long long) i * qk_stride + d] : 0.0f;
  }

  // Per warp, its query rows' running max and sum (the same in every lane) and mask ranks.
  float row_max[ROWS_PER_WARP];
  float row_sum[ROWS_PER_WARP];
  int rank[ROWS_PER_WARP];
#pragma unroll
  for (int u = 0; u < ROWS_PER_WARP; u++) {
    int i = i0 + warp * ROWS_PER_WARP + u;
    row_max[u] = -INFINITY;
    row_sum[u] = 0.0f;
    rank[u] = i < seq ? query_rank[b * seq + i] : -1;
  }

  // Per thread, its share of one ctx row: columns cq, cq + THREADS_PER_ROW, ...
  int ro = tid / THREADS_PER_ROW;
  int cq = tid % THREADS_PER_ROW;
  float acc[COLS];
#pragma unroll
  for (int x = 0; x < COLS; x++) acc[x] = 0.0f;

  for (int j0 = 0; j0 < seq; j0 += ATT_KEYS) {
    __syncthreads();
    for (int e = tid; e < ATT_KEYS * DMAX; e += ATT_THREADS) {
      int jj = e / DMAX;
      int d = e % DMAX;
      int j = j0 + jj;
      Ks[jj][d] = j < seq && d < dk ? kb[(long long) j * qk_stride + d] : 0.0f;
      Vs[jj][d] = j < seq && d < dv ? vb[(long long) j * v_stride + d] : 0.0f;
    }
    __syncthreads();

    int j = j0 + lane;
    int key = j < seq ? key_rank[b * seq + j] : 0;
#pragma unroll
    for (int u = 0; u < ROWS_PER_WARP; u++) {
      int r = warp * ROWS_PER_WARP + u;
      int i = i0 + r;
      float dot = 0.0f;
#pragma unroll 8
      for (int d = 0; d < dk; d++) dot += Qs[r][d] * Ks[lane][d];
      float s;
      if (j >= seq) s = -INFINITY;
      else if (rank[u] < 0) s = 0.0f;  // no visible key: uniform over all keys
      else s = key <= rank[u] && (!causal || j <= i) ? dot * scale : -INFINITY;
      float m_new = fmaxf(row_max[u], warp_max(s));
      float e = s == -INFINITY ? 0.0f : expf(s - m_new);
      float alpha = row_max[u] == -INFINITY ? 0.0f : expf(row_max[u] - m_new);
      row_sum[u] = row_sum[u] * alpha + warp_sum(e);
      row_max[u] = m_new;
      if (i < seq && j < seq) pb[(long long) i * seq + j] = s;
      float f = dropout > 0.0f && i < seq && j < seq
          ? dropout_factor(seed, first + (unsigned long long) i * seq + j, dropout, keep_scale)
          : 1.0f;
      Ps[r][lane] = e * f;
      if (lane == 0) alphas[r] = alpha;
    }
    __syncthreads();

    float alpha = alphas[ro];
#pragma unroll
    for (int x = 0; x < COLS; x++) acc[x] *= alpha;
    for (int jj = 0; jj < ATT_KEYS; jj++) {
      float pj = Ps[ro][jj];
#pragma unroll
      for (int x = 0; x < COLS; x++) acc[x] += pj * Vs[jj][cq + THREADS_PER_ROW * x];
    }
  }

  if (lane == 0) {
#pragma unroll
    for (int u = 0; u < ROWS_PER_WARP; u++) sums[warp * ROWS_PER_WARP + u] = row_sum[u];
  }
  __syncthreads();
  int i = i0 + ro;
  if (i < seq) {
    float* out = ctx + ((long long) b * seq + i) * v_width + h * dv;
#pragma unroll
    for (int x = 0; x < COLS; x++) {
      int c = cq + THREADS_PER_ROW * x;
      if (c < dv) out[c] = acc[x] / sums[ro];
    }
  }

  // Logit → probability. Lane l wrote the columns ≡ l (mod 32) of its warp's rows and rewrites
  // exactly those, so no barrier is needed.
#pragma unroll
  for (int u = 0; u < ROWS_PER_WARP; u++) {
    int iu = i0 + warp * ROWS_PER_WARP + u;
    if (iu >= seq) continue;
    float* row = pb + (long long) iu * seq;
    for (int jj = lane; jj < seq; jj += WARP_SIZE) {
      float s = row[jj];
      row[jj] = s == -INFINITY ? 0.0f : expf(s - row_max[u]) / row_sum[u];
    }
  }
}

template <int DMAX, int BQ>
__device__ __forceinline__ void attention_backward_dq(int seq, int heads, int dk, int dv,
                                                      int qk_stride, int v_stride, float scale,
                                                      const int* query_rank,
                                                      const float* k, const float* v,
                                                      const float* probs, const float* d_ctx,
                                                      float* dq, float* d_sums, float dropout,
                                                      unsigned long long seed) {
  constexpr int ROWS_PER_WARP = BQ / ATT_WARPS;
  constexpr int THREADS_PER_ROW = ATT_THREADS / BQ;
  constexpr int COLS = DMAX / THREADS_PER_ROW;
  __shared__ float dOs[BQ][DMAX];
  __shared__ float Ks[ATT_KEYS][DMAX + 1];
  __shared__ float Vs[ATT_KEYS][DMAX + 1];
  __shared__ float dSs[BQ][ATT_KEYS + 1];

  int tid = threadIdx.x;
  int lane = tid % WARP_SIZE;
  int warp = tid / WARP_SIZE;
  int i0 = blockIdx.x * BQ;
  int h = blockIdx.y;
  int b = blockIdx.z;
  int v_width = heads * dv;
  const float* kb = k + (long long) b * seq * qk_stride + h * dk;
  const float* vb = v + (long long) b * seq * v_stride + h * dv;
  const float* pb = probs + ((long long) b * heads + h) * seq * seq;
  unsigned long long first = ((unsigned long long) b * heads + h) * seq * seq;
  float keep_scale = 1.0f / (1.0f - dropout);

  for (int e = tid; e < BQ * DMAX; e += ATT_THREADS) {
    int r = e / DMAX;
    int d = e % DMAX;
    int i = i0 + r;
    dOs[r][d] = i < seq && d < dv ? d_ctx[((long long) b * seq + i) * v_width + h * dv + d] : 0.0f;
  }

  // Sweep 1: D_i = Σ_j P_ij·f_ij·dP_ij. Sweep 2: dS, and dq += dS·k.
  float row_d[ROWS_PER_WARP];
  bool sees[ROWS_PER_WARP];
#pragma unroll
  for (int u = 0; u < ROWS_PER_WARP; u++) {
    int i = i0 + warp * ROWS_PER_WARP + u;
    row_d[u] = 0.0f;
    sees[u] = i < seq && query_rank[b * seq + i] >= 0;
  }
  int ro = tid / THREADS_PER_ROW;
  int cq = tid % THREADS_PER_ROW;
  float acc[COLS];
#pragma unroll
  for (int x = 0; x < COLS; x++) acc[x] = 0.0f;

  for (int sweep = 0; sweep < 2; sweep++) {
    for (int j0 = 0; j0 < seq; j0 += ATT_KEYS) {
      __syncthreads();
      for (int e = tid; e < ATT_KEYS * DMAX; e += ATT_THREADS) {
        int jj = e / DMAX;
        int d = e % DMAX;
        int j = j0 + jj;
        Vs[jj][d] = j < seq && d < dv ? vb[(long long) j * v_stride + d] : 0.0f;
        if (sweep == 1) Ks[jj][d] = j < seq && d < dk ? kb[(long long) j * qk_stride + d] : 0.0f;
      }
      __syncthreads();
      int j = j0 + lane;
#pragma unroll
      for (int u = 0; u < ROWS_PER_WARP; u++) {
        int r = warp * ROWS_PER_WARP + u;
        int i = i0 + r;
        float dp = 0.0f;
#pragma unroll 8
        for (int d = 0; d < dv; d++) dp += dOs[r][d] * Vs[lane][d];
        bool inside = i < seq && j < seq;
        float p = inside ? pb[(long long) i * seq + j] : 0.0f;
        if (dropout > 0.0f && inside) {
          dp *= dropout_factor(seed, first + (unsigned long long) i * seq + j, dropout, keep_scale);
        }
        if (sweep == 0) row_d[u] += warp_sum(p * dp);
        else dSs[r][lane] = sees[u] ? p * (dp - row_d[u]) : 0.0f;
      }
      if (sweep == 1) {
        __syncthreads();
        for (int jj = 0; jj < ATT_KEYS; jj++) {
          float ds = dSs[ro][jj];
#pragma unroll
          for (int x = 0; x < COLS; x++) acc[x] += ds * Ks[jj][cq + THREADS_PER_ROW * x];
        }
      }
    }
  }

  if (lane == 0) {
#pragma unroll
    for (int u = 0; u < ROWS_PER_WARP; u++) {
      int i = i0 + warp * ROWS_PER_WARP + u;
      if (i < seq) d_sums[((long long) b * heads + h) * seq + i] = row_d[u];
    }
  }
  int i = i0 + ro;
  if (i < seq) {
    float* out = dq + ((long long) b * seq + i) * qk_stride + h * dk;
#pragma unroll
    for (int x = 0; x < COLS; x++) {
      int c = cq + THREADS_PER_ROW * x;
      if (c < dk) out[c] = scale * acc[x];
    }
  }
}

template <int DMAX, int BQ>
__device__ __forceinline__ void attention_backward_dkdv(int seq, int heads, int dk, int dv,
                                                        int qk_stride, int v_stride, float scale,
                                                      const int* query_rank,
                                                        const float* q,
                                                        const float* v, const float* probs,
                                                        const float* d_ctx, const float* d_sums,
                                                        float* dk_out, float* dv_out,
                                                        float dropout, unsigned long long seed) {
  constexpr int ROWS_PER_WARP = BQ / ATT_WARPS;
  constexpr int THREADS_PER_KEY = ATT_THREADS / ATT_KEYS;
  constexpr int COLS = DMAX / THREADS_PER_KEY;
  __shared__ float Vs[ATT_KEYS][DMAX + 1];
  __shared__ float Qs[BQ][DMAX];
  __shared__ float dOs[BQ][DMAX];
  __shared__ float dSs[BQ][ATT_KEYS + 1];
  __shared__ float Pds[BQ][ATT_KEYS + 1];
  __shared__ float Ds[BQ];
  __shared__ bool Sees[BQ];

  int tid = threadIdx.x;
  int lane = tid % WARP_SIZE;
  int warp = tid / WARP_SIZE;
  int j0 = blockIdx.x * ATT_KEYS;
  int h = blockIdx.y;
  int b = blockIdx.z;
  int v_width = heads * dv;
  const float* qb = q + (long long) b * seq * qk_stride + h * dk;
  const float* vb = v + (long long) b * seq * v_stride + h * dv;
  const float* ob = d_ctx + (long long) b * seq * v_width + h * dv;
  const float* pb = probs + ((long long) b * heads + h) * seq * seq;
  const float* db = d_sums + ((long long) b * heads + h) * seq;
  unsigned long long first = ((unsigned long long) b * heads + h) * seq * seq;
  float keep_scale = 1.0f / (1.0f - dropout);

  for (int e = tid; e < ATT_KEYS * DMAX; e += ATT_THREADS) {
    int jj = e / DMAX;
    int d = e % DMAX;
    int j = j0 + jj;
    Vs[jj][d] = j < seq && d < dv ? vb[(long long) j * v_stride + d] : 0.0f;
  }

  // Per thread, its share of one key's dk and dv rows.
  int ko = tid / THREADS_PER_KEY;
  int ck = tid % THREADS_PER_KEY;
  float dk_acc[COLS];
  float dv_acc[COLS];
#pragma unroll
  for (int x = 0; x < COLS; x++) {
    dk_acc[x] = 0.0f;
    dv_acc[x] = 0.0f;
  }

  int j = j0 + lane;
  for (int i0 = 0; i0 < seq; i0 += BQ) {
    __syncthreads();
    for (int e = tid; e < BQ * DMAX; e += ATT_THREADS) {
      int r = e / DMAX;
      int d = e % DMAX;
      int i = i0 + r;
      Qs[r][d] = i < seq && d < dk ? qb[(long long) i * qk_stride + d] : 0.0f;
      dOs[r][d] = i < seq && d < dv ? ob[(long long) i * v_width + d] : 0.0f;
    }
    if (tid < BQ) {
      bool inside = i0 + tid < seq;
      Ds[tid] = inside ? db[i0 + tid] : 0.0f;
      Sees[tid] = inside && query_rank[b * seq + i0 + tid] >= 0;
    }
    __syncthreads();
#pragma unroll
    for (int u = 0; u < ROWS_PER_WARP; u++) {
      int r = warp * ROWS_PER_WARP + u;
      int i = i0 + r;
      float dp = 0.0f;
#pragma unroll 8
      for (int d = 0; d < dv; d++) dp += dOs[r][d] * Vs[lane][d];
      bool inside = i < seq && j < seq;
      float p = inside ? pb[(long long) i * seq + j] : 0.0f;
      float f = dropout > 0.0f && inside
          ? dropout_factor(seed, first + (unsigned long long) i * seq + j, dropout, keep_scale)
          : 1.0f;
      dSs[r][lane] = Sees[r] ? p * (dp * f - Ds[r]) : 0.0f;
      Pds[r][lane] = p * f;
    }
    __syncthreads();
    for (int r = 0; r < BQ; r++) {
      float ds = dSs[r][ko];
      float pd = Pds[r][ko];
#pragma unroll
      for (int x = 0; x < COLS; x++) {
        int c = ck + THREADS_PER_KEY * x;
        dk_acc[x] += ds * Qs[r][c];
        dv_acc[x] += pd * dOs[r][c];
      }
    }
  }

  int jk = j0 + ko;
  if (jk < seq) {
    float* dk_row = dk_out + ((long long) b * seq + jk) * qk_stride + h * dk;
    float* dv_row = dv_out + ((long long) b * seq + jk) * v_stride + h * dv;
#pragma unroll
    for (int x = 0; x < COLS; x++) {
      int c = ck + THREADS_PER_KEY * x;
      if (c < dk) dk_row[c] = scale * dk_acc[x];
      if (c < dv) dv_row[c] = dv_acc[x];
    }
  }
}

// Head sizes up to 64 use 32-query tiles, up to 128 16-query tiles (shared memory stays < 48 KB).
#define ATTENTION_KERNELS(DMAX, BQ) \
  extern "C" __global__ void __launch_bounds__(ATT_THREADS) attention_forward_##DMAX( \
      int seq, int heads, int dk, int dv, int qk_stride, int v_stride, float scale, int causal, \
      const int* key_rank, const int* query_rank, const float* q, const float* k, const float* v, \
      float* probs, float* ctx, float dropout, unsigned long long seed) { \
    attention_forward<DMAX, BQ>(seq, heads, dk, dv, qk_stride, v_stride, scale, causal, key_rank, \
                                query_rank, q, k, v, probs, ctx, dropout, seed); \
  } \
  extern "C" __global__ void __launch_bounds__(ATT_THREADS) attention_backward_dq_##DMAX( \
      int seq, int heads, int dk, int dv, int qk_stride, int v_stride, float scale, \
      const int* query_rank, const float* k, const float* v, const float* probs, \
      const float* d_ctx, float* dq, float* d_sums, float dropout, unsigned long long seed) { \
    attention_backward_dq<DMAX, BQ>(seq, heads, dk, dv, qk_stride, v_stride, scale, query_rank, k, \
                                    v, probs, d_ctx, dq, d_sums, dropout, seed); \
  } \
  extern "C" __global__ void __launch_bounds__(ATT_THREADS) attention_backward_dkdv_##DMAX( \
      int seq, int heads, int dk, int dv, int qk_stride, int v_stride, float scale, \
      const int* query_rank, const float* q, const float* v, const float* probs, \
      const float* d_ctx, const float* d_sums, float* dk_out, float* dv_out, float dropout, \
      unsigned long long seed) { \
    attention_backward_dkdv<DMAX, BQ>(seq, heads, dk, dv, qk_stride, v_stride, scale, query_rank, \
                                      q, v, probs, d_ctx, d_sums, dk_out, dv_out, dropout, seed); \
  }

ATTENTION_KERNELS(64, 32)
ATTENTION_KERNELS(128, 16)
