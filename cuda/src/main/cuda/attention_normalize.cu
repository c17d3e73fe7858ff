// attention_normalize.cu: the unfused attention's mask and normalization over the keys
// (Kernels.attentionNormalize) and its backward, one block per query row (b, h, i), under
// attention.cu's mask ranks: key j is allowed for query i iff key_rank[j] <= query_rank[i] (and
// j <= i when causal); query_rank[i] = −1 when query i sees no key. With n the sequence's
// non-padding keys (key_rank != INT_MAX) and the normalization codes of CudaKernels:
//   SOFTMAX (0):      the masked softmax; a query with no allowed key gets 1/seq everywhere.
//   SQUARED_RELU (1): relu(s)²/n on the allowed keys, 0 elsewhere, 0 everywhere when n = 0.
//   SOFTMAX_PLUS (2): the masked softmax of s·f, f = log(max(n, 16))/log 512 (in double, rounded).
// Backward: dS = f·p·(dP − Σ dP·p) for the softmax kinds (f = 1 for SOFTMAX), 0 on a row with no
// allowed key; dS = dP·relu(s)·2/n on the allowed keys for SQUARED_RELU. Every thread reads its
// keys before it writes them, so probs may be scores and d_scores d_probs.
#include "common.cuh"

#define NORMALIZE_SOFTMAX 0
#define NORMALIZE_SQUARED_RELU 1
#define NORMALIZE_SOFTMAX_PLUS 2
#define PADDING_RANK 0x7fffffff

// The sequence's non-padding keys, summed by the whole block.
__device__ __forceinline__ int normalize_keys(const int* key_rank, int seq, double* scratch) {
  double keys = 0.0;
  for (int j = threadIdx.x; j < seq; j += blockDim.x) keys += key_rank[j] != PADDING_RANK;
  return (int) block_sum(keys, scratch);
}

__device__ __forceinline__ bool normalize_allowed(const int* key_rank, int rank, int causal, int i,
                                                  int j) {
  return key_rank[j] <= rank && (!causal || j <= i);
}

__device__ __forceinline__ float normalize_length_scale(int normalization, int keys) {
  return normalization == NORMALIZE_SOFTMAX_PLUS
      ? (float) (log((double) (keys > 16 ? keys : 16)) / log(512.0)) : 1.0f;
}

extern "C" __global__ void attention_normalize(int seq, int heads, int causal,
                                               const int* key_rank, const int* query_rank,
                                               int normalization, const float* scores,
                                               float* probs) {
  __shared__ double sums[32];
  __shared__ float maxima[32];
  long long row = blockIdx.x;
  int i = (int) (row % seq);
  int b = (int) (row / seq / heads);
  const int* keys_rank = key_rank + (long long) b * seq;
  int rank = query_rank[(long long) b * seq + i];
  const float* s = scores + row * seq;
  float* p = probs + row * seq;
  int keys = normalize_keys(keys_rank, seq, sums);
  if (normalization == NORMALIZE_SQUARED_RELU) {
    float inverse_keys = 1.0f / keys;
    for (int j = threadIdx.x; j < seq; j += blockDim.x) {
      float r = fmaxf(s[j], 0.0f);
      p[j] = keys > 0 && normalize_allowed(keys_rank, rank, causal, i, j)
          ? r * r * inverse_keys : 0.0f;
    }
    return;
  }
  if (rank < 0) {
    for (int j = threadIdx.x; j < seq; j += blockDim.x) p[j] = 1.0f / seq;
    return;
  }
  float f = normalize_length_scale(normalization, keys);
  float mx = -INFINITY;
  for (int j = threadIdx.x; j < seq; j += blockDim.x) {
    if (normalize_allowed(keys_rank, rank, causal, i, j)) mx = fmaxf(mx, s[j] * f);
  }
  mx = block_max(mx, maxima);
  double sum = 0.0;
  for (int j = threadIdx.x; j < seq; j += blockDim.x) {
    if (normalize_allowed(keys_rank, rank, causal, i, j)) sum += expf(s[j] * f - mx);
  }
  float inverse_sum = (float) (1.0 / block_sum(sum, sums));
  for (int j = threadIdx.x; j < seq; j += blockDim.x) {
    p[j] = normalize_allowed(keys_rank, rank, causal, i, j)
        ? expf(s[j] * f - mx) * inverse_sum : 0.0f;
  }
}

extern "C" __global__ void attention_normalize_backward(int seq, int heads, int causal,
                                                        const int* key_rank,
                                                        const int* query_rank, int normalization,
                                                        const float* scores, const float* probs,
                                                        const float* d_probs, float* d_scores) {
  __shared__ double sums[32];
  long long row = blockIdx.x;
  int i = (int) (row % seq);
  int b = (int) (row / seq / heads);
  const int* keys_rank = key_rank + (long long) b * seq;
  int rank = query_rank[(long long) b * seq + i];
  const float* dp = d_probs + row * seq;
  float* ds = d_scores + row * seq;
  int keys = normalize_keys(keys_rank, seq, sums);
  if (normalization == NORMALIZE_SQUARED_RELU) {
    const float* s = scores + row * seq;
    float twice_inverse_keys = 2.0f / keys;
    for (int j = threadIdx.x; j < seq; j += blockDim.x) {
      ds[j] = keys > 0 && normalize_allowed(keys_rank, rank, causal, i, j)
          ? dp[j] * (fmaxf(s[j], 0.0f) * twice_inverse_keys) : 0.0f;
    }
    return;
  }
  if (rank < 0) {
    for (int j = threadIdx.x; j < seq; j += blockDim.x) ds[j] = 0.0f;
    return;
  }
  const float* p = probs + row * seq;
  double dot = 0.0;
  for (int j = threadIdx.x; j < seq; j += blockDim.x) dot += dp[j] * p[j];
  float total = (float) block_sum(dot, sums);
  float f = normalize_length_scale(normalization, keys);
  for (int j = threadIdx.x; j < seq; j += blockDim.x) ds[j] = f * (p[j] * (dp[j] - total));
}
