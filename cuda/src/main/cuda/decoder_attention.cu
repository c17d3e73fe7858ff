// decoder_attention.cu: T5's decoder attention against its caches (Kernels.decoderAttention),
// forward only. decoder_cache_write first copies the new self-attention keys and values to their
// positions starts[b] + i of slot b (one thread per float); decoder_attention then runs one thread
// per (sequence, new row, head), three passes over its allowed keys (max, sum, weighted values),
// recomputing each score: no scratch. buckets[d] is the causal T5 bucket of distance d − (capacity
// − 1), computed on the host (RelativeBuckets) for d in [0, 2·capacity − 1); key_length < 0 means
// self-attention (keys [0, p]), otherwise cross-attention over [0, key_length) with key_ids masking
// padding.
#include "common.cuh"

extern "C" __global__ void decoder_cache_write(const float* rows, const int* starts, float* cache,
                                               int batch, int seq, int width, int capacity) {
  long long count = (long long) batch * seq * width;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < count; e += stride) {
    int c = (int) (e % width);
    long long row = e / width;
    int b = (int) (row / seq);
    int i = (int) (row % seq);
    cache[((long long) b * capacity + starts[b] + i) * width + c] = rows[e];
  }
}

__device__ __forceinline__ float decoder_score(const float* q, const float* keys, const float* table,
                                               const int* buckets, int b, int h, int j, int p,
                                               int heads, int key_size, float scale, int capacity) {
  const float* k = keys + ((long long) b * capacity + j) * heads * key_size + h * key_size;
  float dot = 0;
  for (int c = 0; c < key_size; c++) {
    dot += q[c] * k[c];
  }
  float s = dot * scale;
  if (table != nullptr) {
    s += table[buckets[j - p + capacity - 1] * heads + h];
  }
  return s;
}

extern "C" __global__ void decoder_attention(const float* q, const float* keys, const float* values,
                                             const int* starts, const int* key_ids,
                                             const float* table, const int* buckets, float* ctx,
                                             int batch, int seq, int heads, int key_size,
                                             int head_size, float scale, int capacity,
                                             int key_length) {
  long long count = (long long) batch * seq * heads;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long t = (long long) blockIdx.x * blockDim.x + threadIdx.x; t < count; t += stride) {
    int h = (int) (t % heads);
    long long row = t / heads;
    int b = (int) (row / seq);
    int p = starts[b] + (int) (row % seq);
    bool self = key_length < 0;
    int span = self ? p + 1 : key_length;
    const float* qs = q + row * heads * key_size + h * key_size;
    float max = -INFINITY;
    for (int j = 0; j < span; j++) {
      if (!self && key_ids[(long long) b * capacity + j] == 0) continue;
      max = fmaxf(max, decoder_score(qs, keys, table, buckets, b, h, j, p, heads, key_size, scale,
                                     capacity));
    }
    bool none = max == -INFINITY;
    float sum = 0;
    for (int j = 0; j < span; j++) {
      if (none) {
        sum += 1;
      } else if (self || key_ids[(long long) b * capacity + j] != 0) {
        sum += expf(decoder_score(qs, keys, table, buckets, b, h, j, p, heads, key_size, scale,
                                  capacity) - max);
      }
    }
    float* out = ctx + row * heads * head_size + h * head_size;
    for (int c = 0; c < head_size; c++) {
      out[c] = 0;
    }
    for (int j = 0; j < span; j++) {
      float w;
      if (none) {
        w = 1;
      } else if (self || key_ids[(long long) b * capacity + j] != 0) {
        w = expf(decoder_score(qs, keys, table, buckets, b, h, j, p, heads, key_size, scale,
                               capacity) - max);
      } else {
        continue;
      }
      const float* v = values + ((long long) b * capacity + j) * heads * head_size + h * head_size;
      for (int c = 0; c < head_size; c++) {
        out[c] += w / sum * v[c];
      }
    }
  }
}
