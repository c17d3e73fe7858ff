// unfused_attention.cu: the unfused attention's two products and their backwards
// (Kernels.attentionScores, attentionContext), for the attention options that work on the logits
// or the weights in between (NEZHA's relative positions, talking heads, other normalizations).
// Token tensors are [batch, seq, heads·size], maps [batch, heads, seq, seq]. Two naive kernels,
// one thread per output element, each sum in a fixed order:
//   head_products: maps[b,h,i,j] = alpha·Σ_d a[b,i,h,d]·c[b,j,h,d]
//     scores = scale·q·kᵀ (a = q, c = k);  dP = dCtx·vᵀ (a = dCtx, c = v)
//   map_products:  out[b,i,h,d] = alpha·Σ_j M[b,h,i,j]·x[b,j,h,d]  (M transposed: M[b,h,j,i])
//     ctx = P·v;  dq = scale·dS·k;  dk = scale·dSᵀ·q;  dv = Pᵀ·dCtx
#include "common.cuh"

extern "C" __global__ void head_products(const float* a, const float* c, float* maps, int batch,
                                         int seq, int heads, int size, float alpha) {
  long long count = (long long) batch * heads * seq * seq;
  long long width = (long long) heads * size;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < count; e += stride) {
    int j = (int) (e % seq);
    int i = (int) (e / seq % seq);
    long long pair = e / ((long long) seq * seq);
    int h = (int) (pair % heads);
    long long b = pair / heads;
    const float* ai = a + (b * seq + i) * width + (long long) h * size;
    const float* cj = c + (b * seq + j) * width + (long long) h * size;
    float dot = 0.0f;
    for (int d = 0; d < size; d++) dot += ai[d] * cj[d];
    maps[e] = alpha * dot;
  }
}

extern "C" __global__ void map_products(const float* maps, int transpose, const float* x,
                                        float* out, int batch, int seq, int heads, int size,
                                        float alpha) {
  long long width = (long long) heads * size;
  long long count = (long long) batch * seq * width;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < count; e += stride) {
    int d = (int) (e % size);
    int h = (int) (e / size % heads);
    long long token = e / width;
    int i = (int) (token % seq);
    long long b = token / seq;
    const float* m = maps + (b * heads + h) * seq * seq;
    const float* xs = x + b * seq * width + (long long) h * size + d;
    float sum = 0.0f;
    for (int j = 0; j < seq; j++) {
      float mij = transpose ? m[(long long) j * seq + i] : m[(long long) i * seq + j];
      sum += mij * xs[j * width];
    }
    out[e] = alpha * sum;
  }
}
