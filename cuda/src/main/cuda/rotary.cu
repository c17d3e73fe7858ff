// rotary.cu: rotary position embedding (Kernels.rotary, RoFormer's), in place on x
// [batch·seq, heads·size]: in every head of the row at position p = row mod seq, the pair
// (x₂ᵢ, x₂ᵢ₊₁) turns by p·θᵢ, θᵢ = 10000^(−2i/size), or by −p·θᵢ with `inverse` (the backward).
// One thread per (row, i) computes the angle, its cosine and its sine in double, as the CPU
// backend's table does, rounds them to float, and turns that pair in every head.
#include "common.cuh"

extern "C" __global__ void rotary(float* x, long long pairs, int seq, int heads, int size,
                                  int inverse) {
  int half = size / 2;
  long long width = (long long) heads * size;
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long k = (long long) blockIdx.x * blockDim.x + threadIdx.x; k < pairs; k += stride) {
    long long row = k / half;
    int i = (int) (k % half);
    double angle = (double) (row % seq) * pow(10000.0, -2.0 * i / size);
    float c = (float) cos(angle);
    float s = (float) sin(angle);
    if (inverse) s = -s;
    float* v = x + row * width + 2 * i;
    for (int head = 0; head < heads; head++, v += size) {
      float a = v[0];
      float b = v[1];
      v[0] = a * c - b * s;
      v[1] = b * c + a * s;
    }
  }
}
