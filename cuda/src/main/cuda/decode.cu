// decode.cu: the kernels of incremental decoding (forward only): rotary_at (Kernels.rotaryAt),
// cache_append and cached_attention (Kernels.cachedAttention), copy_floats (Kernels.copy),
// copy_columns (Kernels.copyColumns).
#include "common.cuh"

// rotary_at: as rotary.cu's rotary, the row at positions[row] instead of row mod seq. One thread
// per (row, i): the angle, its cosine and sine in double rounded to float, that pair in every head.
extern "C" __global__ void rotary_at(float* x, const int* positions, long long pairs, int heads,
                                     int size) {
  int half = size / 2;
  long long width = (long long) heads * size;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long k = (long long) blockIdx.x * blockDim.x + threadIdx.x; k < pairs; k += stride) {
    long long row = k / half;
    int i = (int) (k % half);
    double angle = (double) positions[row] * pow(10000.0, -2.0 * i / size);
    float c = (float) cos(angle);
    float s = (float) sin(angle);
    float* v = x + row * width + 2 * i;
    for (int head = 0; head < heads; head++, v += size) {
      float a = v[0];
      float b = v[1];
      v[0] = a * c - b * s;
      v[1] = b * c + a * s;
    }
  }
}

// cache_append: row i of sequence b of x ([batch·seq, width]) into cache row starts[b] + i of the
// sequence's block ([batch, capacity, width]). One thread per float.
extern "C" __global__ void cache_append(const float* x, long long count, int seq, int capacity,
                                        int width, const int* starts, float* cache) {
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long k = (long long) blockIdx.x * blockDim.x + threadIdx.x; k < count; k += stride) {
    long long row = k / width;
    int c = (int) (k % width);
    int b = (int) (row / seq);
    int i = (int) (row % seq);
    cache[((long long) b * capacity + starts[b] + i) * width + c] = x[k];
  }
}

// cached_attention: one block per (new row i, head h, sequence b); the query at position
// p = starts[b] + i against cache positions [0, starts[b] + seq). Key j is visible iff
// keyRanks[j] <= queryRank (AttentionMaskRanks over the cache's ids) and, for the LM mask, j <= p;
// queryRank −1 (no visible key) attends uniformly. The logits go through `scores` (one row of
// `capacity` floats per block): max and sum as block reductions, then each thread one value column.
extern "C" __global__ void cached_attention(int seq, int capacity, int heads, int keySize,
                                            int headSize, float scale, int causal,
                                            const int* keyRanks, const int* queryRanks,
                                            const int* starts, const float* q,
                                            const float* keyCache, const float* valueCache,
                                            float* scores, float* ctx) {
  __shared__ float max_scratch[32];
  __shared__ double sum_scratch[32];
  int i = blockIdx.x;
  int h = blockIdx.y;
  int b = blockIdx.z;
  int p = starts[b] + i;
  int keys = starts[b] + seq;
  int qkWidth = heads * keySize;
  int vWidth = heads * headSize;
  long long base = (long long) b * capacity;
  const float* query = q + ((long long) b * seq + i) * qkWidth + h * keySize;
  float* s = scores + (((long long) b * heads + h) * seq + i) * capacity;
  int rank = queryRanks[base + p];
  float m = -INFINITY;
  for (int j = threadIdx.x; j < keys; j += blockDim.x) {
    bool visible = rank >= 0 && keyRanks[base + j] <= rank && (!causal || j <= p);
    float logit = -INFINITY;
    if (visible) {
      const float* key = keyCache + (base + j) * qkWidth + h * keySize;
      float dot = 0.f;
      for (int e = 0; e < keySize; e++) dot += query[e] * key[e];
      logit = dot * scale;
      m = fmaxf(m, logit);
    }
    s[j] = logit;
  }
  m = block_max(m, max_scratch);
  double local = 0.0;
  for (int j = threadIdx.x; j < keys; j += blockDim.x) {
    float w = rank < 0 ? 1.f : s[j] == -INFINITY ? 0.f : expf(s[j] - m);
    s[j] = w;
    local += w;
  }
  float inverse = (float) (1.0 / block_sum(local, sum_scratch));
  __syncthreads();
  for (int e = threadIdx.x; e < headSize; e += blockDim.x) {
    const float* value = valueCache + base * vWidth + h * headSize + e;
    float sum = 0.f;
    for (int j = 0; j < keys; j++) sum += s[j] * value[(long long) j * vWidth];
    ctx[((long long) b * seq + i) * vWidth + h * headSize + e] = sum * inverse;
  }
}

// copy_floats: target = source over count floats (non-overlapping).
extern "C" __global__ void copy_floats(const float* source, float* target, long long count) {
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long k = (long long) blockIdx.x * blockDim.x + threadIdx.x; k < count; k += stride) {
    target[k] = source[k];
  }
}

// copy_columns: target[r, targetColumn + j] = source[r, sourceColumn + j], r < rows, j < width
// (the fused q·k·v product split into q, k and v; their gradients joined back).
extern "C" __global__ void copy_columns(const float* source, int sourceWidth, int sourceColumn,
                                        float* target, int targetWidth, int targetColumn, int rows,
                                        int width) {
  long long count = (long long) rows * width;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long k = (long long) blockIdx.x * blockDim.x + threadIdx.x; k < count; k += stride) {
    long long r = k / width;
    int j = (int) (k % width);
    target[r * targetWidth + targetColumn + j] = source[r * sourceWidth + sourceColumn + j];
  }
}
