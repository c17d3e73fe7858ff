// span.cu: GlobalPointer's span scores [batch, types, seq, seq] (cell ((b·types + t)·seq + i)·seq + j).
//
// span_mask (Kernels.spanMask), one thread per score: the logits' cell (one grid per type, or with a
// bias one [batch, seq, seq] grid shared by the types plus (bias[b·seq + j][2t] +
// bias[b·seq + i][2t + 1]) / 2, EfficientGlobalPointer's), or −1e12 where token i or j is padding
// or, with tril, where i > j. Each thread reads only the cell it writes, so it may run in place.
//
// span_logits_backward, one thread per logit cell: dScores with 0 at the masked cells, or with a
// bias their sum over the types (in type order, in double). span_bias_backward, one thread per
// (b, t, x): half the sums of row x and of column x over the unmasked cells, into dBias.
//
// span_loss (Kernels.spanLoss), one block per row (b, t): the row's target cells, sorted, are
// cells[offsets[r] .. offsets[r + 1]) (SpanRows, built on the host); the shifted sums
//   neg = e^−m₁ + Σ_{c∉P} e^(s − m₁),  pos = e^−m₂ + Σ_{c∈P} e^(−s − m₂)  (m₁, m₂ the maxima with 0)
// give the row loss m₁ + log neg + m₂ + log pos (double, for the host to add in order) and
// dScores = grad_scale·e^(s − m₁)/neg off the targets, −grad_scale·e^(−s − m₂)/pos on them. Each
// thread reads a cell before it writes it, so dScores may be the scores.
#include "common.cuh"

#define MASKED_SPAN -1e12f

__device__ __forceinline__ bool span_masked(const int* ids, int i, int j, int tril) {
  return ids[i] == 0 || ids[j] == 0 || (tril && i > j);
}

extern "C" __global__ void span_mask(const float* logits, const float* bias, float* scores,
                                     const int* token_ids, long long cells, int seq, int types,
                                     int tril) {
  long long stride = (long long) gridDim.x * blockDim.x;
  long long square = (long long) seq * seq;
  for (long long c = (long long) blockIdx.x * blockDim.x + threadIdx.x; c < cells; c += stride) {
    int j = (int) (c % seq);
    int i = (int) (c / seq % seq);
    int t = (int) (c / square % types);
    long long b = c / (square * types);
    if (span_masked(token_ids + b * seq, i, j, tril)) {
      scores[c] = MASKED_SPAN;
    } else if (bias == nullptr) {
      scores[c] = logits[c];
    } else {
      float start = bias[(b * seq + i) * 2 * types + 2 * t + 1];
      float end = bias[(b * seq + j) * 2 * types + 2 * t];
      scores[c] = logits[(b * seq + i) * seq + j] + (end + start) / 2;
    }
  }
}

extern "C" __global__ void span_logits_backward(const float* d_scores, float* d_logits,
                                                const int* token_ids, long long cells, int seq,
                                                int types, int shared, int tril) {
  long long stride = (long long) gridDim.x * blockDim.x;
  long long square = (long long) seq * seq;
  int grids = shared ? 1 : types;
  for (long long c = (long long) blockIdx.x * blockDim.x + threadIdx.x; c < cells; c += stride) {
    int j = (int) (c % seq);
    int i = (int) (c / seq % seq);
    long long b = c / (square * grids);
    float d = 0.0f;
    if (!span_masked(token_ids + b * seq, i, j, tril)) {
      if (!shared) {
        d = d_scores[c];
      } else {
        double sum = 0.0;
        for (int t = 0; t < types; t++) sum += d_scores[((b * types + t) * seq + i) * seq + j];
        d = (float) sum;
      }
    }
    d_logits[c] = d;
  }
}

extern "C" __global__ void span_bias_backward(const float* d_scores, float* d_bias,
                                              const int* token_ids, long long lines, int seq,
                                              int types, int tril) {
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long k = (long long) blockIdx.x * blockDim.x + threadIdx.x; k < lines; k += stride) {
    int x = (int) (k % seq);
    int t = (int) (k / seq % types);
    long long b = k / ((long long) seq * types);
    const int* ids = token_ids + b * seq;
    const float* square = d_scores + (b * types + t) * seq * seq;
    double row = 0.0;
    double column = 0.0;
    for (int y = 0; y < seq; y++) {
      if (!span_masked(ids, x, y, tril)) row += square[(long long) x * seq + y];
      if (!span_masked(ids, y, x, tril)) column += square[(long long) y * seq + x];
    }
    float* at = d_bias + (b * seq + x) * 2 * types + 2 * t;
    at[0] = (float) (column / 2);
    at[1] = (float) (row / 2);
  }
}

// Whether cell c is among the sorted cells[first .. last).
__device__ __forceinline__ bool span_target(const int* cells, int first, int last, int c) {
  int lo = first;
  int hi = last;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (cells[mid] < c) lo = mid + 1;
    else hi = mid;
  }
  return lo < last && cells[lo] == c;
}

extern "C" __global__ void span_loss(const float* scores, const int* offsets, const int* cells,
                                     int seq, float* d_scores, float grad_scale,
                                     double* row_loss) {
  __shared__ float max_scratch[WARP_SIZE];
  __shared__ double sum_scratch[WARP_SIZE];
  long long row = blockIdx.x;
  int count = seq * seq;
  const float* s = scores + row * count;
  float* d = d_scores + row * count;
  int first = offsets[row];
  int last = offsets[row + 1];
  float neg_max = 0.0f;
  float pos_max = 0.0f;
  for (int c = threadIdx.x; c < count; c += blockDim.x) {
    if (span_target(cells, first, last, c)) pos_max = fmaxf(pos_max, -s[c]);
    else neg_max = fmaxf(neg_max, s[c]);
  }
  neg_max = block_max(neg_max, max_scratch);
  pos_max = block_max(pos_max, max_scratch);
  double neg_part = 0.0;
  double pos_part = 0.0;
  for (int c = threadIdx.x; c < count; c += blockDim.x) {
    if (span_target(cells, first, last, c)) pos_part += exp(-(double) s[c] - pos_max);
    else neg_part += exp((double) s[c] - neg_max);
  }
  double neg = exp(-(double) neg_max) + block_sum(neg_part, sum_scratch);
  double pos = exp(-(double) pos_max) + block_sum(pos_part, sum_scratch);
  for (int c = threadIdx.x; c < count; c += blockDim.x) {
    double v = s[c];
    double g = span_target(cells, first, last, c) ? -exp(-v - pos_max) / pos
                                                   : exp(v - neg_max) / neg;
    d[c] = (float) (g * grad_scale);
  }
  if (threadIdx.x == 0) row_loss[row] = neg_max + log(neg) + pos_max + log(pos);
}
