// relative_bias.cu: T5's relative position bias (Kernels.relativePositionBias and its backward).
// The host computes each distance's bucket (RelativeBuckets, as Hugging Face rounds it) and uploads
// them: buckets[d + seq − 1] for d = j − i in [−(seq − 1), seq − 1]. The table is [buckets, heads],
// the maps [batch, heads, seq, seq].
//   relative_bias: maps[b,h,i,j] += table[buckets[j − i + seq − 1]·heads + h], one thread per cell
//   relative_bias_diagonals: diagonals[h][d] = Σ_{b,i} dMaps[b,h,i,i + d], one thread per (h, d)
//   relative_bias_table: dTable[k·heads + h] += Σ_{d: bucket k} diagonals[h][d], one thread per (k, h)
#include "common.cuh"

extern "C" __global__ void relative_bias(const float* table, const int* buckets, float* maps,
                                         int batch, int seq, int heads) {
  long long count = (long long) batch * heads * seq * seq;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < count; e += stride) {
    int j = (int) (e % seq);
    int i = (int) (e / seq % seq);
    int h = (int) (e / ((long long) seq * seq) % heads);
    maps[e] += table[(long long) buckets[j - i + seq - 1] * heads + h];
  }
}

extern "C" __global__ void relative_bias_diagonals(const float* maps, float* diagonals, int batch,
                                                   int seq, int heads) {
  int span = 2 * seq - 1;
  long long count = (long long) heads * span;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < count; e += stride) {
    int d = (int) (e % span) - (seq - 1);
    int h = (int) (e / span);
    float sum = 0;
    for (int b = 0; b < batch; b++) {
      const float* map = maps + ((long long) b * heads + h) * seq * seq;
      for (int i = d < 0 ? -d : 0; i < seq && i + d < seq; i++) {
        sum += map[(long long) i * seq + i + d];
      }
    }
    diagonals[e] = sum;
  }
}

extern "C" __global__ void relative_bias_table(const float* diagonals, const int* buckets,
                                               float* table, int seq, int heads, int bucket_count) {
  int span = 2 * seq - 1;
  long long count = (long long) bucket_count * heads;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < count; e += stride) {
    int h = (int) (e % heads);
    int k = (int) (e / heads);
    float sum = 0;
    for (int d = 0; d < span; d++) {
      if (buckets[d] == k) {
        sum += diagonals[(long long) h * span + d];
      }
    }
    table[e] += sum;
  }
}
