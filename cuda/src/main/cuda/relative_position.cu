// relative_position.cu: NEZHA's "typical relative" position terms (Kernels.relativeScores,
// relativeContext) and their backwards. Key j of query i falls in bucket
// p = clip(j − i, −M, M) + M of the fixed table R [2M + 1, size], built per call by
// relative_table: R[p][2c] = sin(p·10000^(−2c/size)), R[p][2c+1] = cos(the same), in double,
// rounded to float. Token tensors are [batch, seq, heads·size], maps [batch, heads, seq, seq]; two
// naive kernels, one thread per output element, each adding to its output:
//   relative_spread: maps[b,h,i,j] += alpha·(tokens[b,i,h]·R[p(i,j)])
//     the scores' term (tokens = q, alpha = scale); the context's backward (tokens = dCtx)
//   relative_gather: tokens[b,i,h,d] += alpha·Σ_j maps[b,h,i,j]·R[p(i,j)][d]
//     the scores' backward (maps = dScores, tokens = dq, alpha = scale); the context's term
#include "common.cuh"

__device__ __forceinline__ int relative_bucket(int i, int j, int max_relative) {
  int distance = j - i;
  if (distance < -max_relative) distance = -max_relative;
  if (distance > max_relative) distance = max_relative;
  return distance + max_relative;
}

extern "C" __global__ void relative_table(float* table, int rows, int size) {
  long long count = (long long) rows * size;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < count; e += stride) {
    int d = (int) (e % size);
    double angle = (double) (e / size) * pow(10000.0, -(double) (d - d % 2) / size);
    table[e] = (float) (d % 2 == 0 ? sin(angle) : cos(angle));
  }
}

extern "C" __global__ void relative_spread(const float* tokens, const float* table, float* maps,
                                           int batch, int seq, int heads, int size, float alpha,
                                           int max_relative) {
  long long count = (long long) batch * heads * seq * seq;
  long long width = (long long) heads * size;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < count; e += stride) {
    int j = (int) (e % seq);
    int i = (int) (e / seq % seq);
    long long pair = e / ((long long) seq * seq);
    int h = (int) (pair % heads);
    long long b = pair / heads;
    const float* x = tokens + (b * seq + i) * width + (long long) h * size;
    const float* r = table + (long long) relative_bucket(i, j, max_relative) * size;
    float dot = 0.0f;
    for (int d = 0; d < size; d++) dot += x[d] * r[d];
    maps[e] += alpha * dot;
  }
}

extern "C" __global__ void relative_gather(const float* maps, const float* table, float* tokens,
                                           int batch, int seq, int heads, int size, float alpha,
                                           int max_relative) {
  long long width = (long long) heads * size;
  long long count = (long long) batch * seq * width;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < count; e += stride) {
    int d = (int) (e % size);
    int h = (int) (e / size % heads);
    long long token = e / width;
    int i = (int) (token % seq);
    long long b = token / seq;
    const float* m = maps + ((b * heads + h) * seq + i) * seq;
    float sum = 0.0f;
    for (int j = 0; j < seq; j++) {
      sum += m[j] * table[(long long) relative_bucket(i, j, max_relative) * size + d];
    }
    tokens[e] += alpha * sum;
  }
}
