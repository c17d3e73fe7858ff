// tag_paths.cu: the tag-path losses (Kernels.crfLoss, Kernels.memmLoss), one block per sequence, in
// double, in the CPU backend's order of operations (CrfKernels, MemmKernels). Thread 0 lists the
// sequence's non-padding positions p_0 < … < p_{L−1} (token id ≠ 0); padding rows of d_emissions
// get 0.
//   crf_loss:  α_0 = e_0, α_k[j] = e_k[j] + lse_i(α_{k−1}[i] + T[i][j]) and β_{L−1} = 0,
//              β_k[i] = lse_j(T[i][j] + e_{k+1}[j] + β_{k+1}[j]), each step one thread per tag;
//              log Z = lse_j α_{L−1}[j]; loss log Z − score(gold);
//              d_emissions = grad_scale·(e^(α_k + β_k − log Z) − onehot(y_k));
//              the sequence's transition partials Σ_{k≥1} e^(α_{k−1}[i] + T[i][j] + e_k[j] +
//              β_k[j] − log Z) − [gold pair], one thread per (i, j) summing over k in order.
//   memm_loss: one thread per position: z[m] = e_k[m] + T[y_{k−1}][m] (e_0 alone at k = 0), the
//              position's loss lse(z) − z[y_k] and g = softmax(z) − onehot(y_k), d_emissions =
//              grad_scale·g; the partials of transition row y_{k−1} are g, one thread per (i, j)
//              summing over k in order; thread 0 adds the positions' losses in order.
//   tag_path_transitions: d_transitions[q] += grad_scale·Σ_b partials[b][q], b in order, one
//              thread per entry; no atomics anywhere.
// lse(v) = max v + log Σ e^(v − max v), the sum in index order. Work per sequence: positions
// [seq] ints, two [seq, tags] double arrays (α and β, or z/g and the position losses), the partials
// [tags, tags], one row loss.
#include "common.cuh"

// Thread 0 lists the non-padding positions into `at` and returns their count to every thread; padding
// rows of d get 0.
__device__ __forceinline__ int tag_path_positions(const int* ids, int seq, int n, int* at, float* d) {
  __shared__ int length;
  if (threadIdx.x == 0) {
    int l = 0;
    for (int t = 0; t < seq; t++) {
      if (ids[t] != 0) at[l++] = t;
    }
    length = l;
  }
  for (long long q = threadIdx.x; q < (long long) seq * n; q += blockDim.x) {
    if (ids[q / n] == 0) d[q] = 0.0f;
  }
  __syncthreads();
  return length;
}

extern "C" __global__ void crf_loss(const float* emissions, const float* transitions,
                                    const int* tags, const int* token_ids, int seq, int n,
                                    float* d_emissions, float grad_scale, int* positions,
                                    double* alpha, double* beta, double* partials,
                                    double* row_loss) {
  __shared__ double log_z;
  int b = blockIdx.x;
  long long base = (long long) b * seq;
  const float* e = emissions + base * n;
  float* d = d_emissions + base * n;
  const int* y = tags + base;
  int* at = positions + base;
  double* a = alpha + base * n;
  double* be = beta + base * n;
  double* part = partials + (long long) b * n * n;
  int length = tag_path_positions(token_ids + base, seq, n, at, d);
  if (length == 0) {
    for (int q = threadIdx.x; q < n * n; q += blockDim.x) part[q] = 0.0;
    if (threadIdx.x == 0) row_loss[b] = 0.0;
    return;
  }
  for (int j = threadIdx.x; j < n; j += blockDim.x) a[j] = e[(long long) at[0] * n + j];
  __syncthreads();
  for (int k = 1; k < length; k++) {
    const double* previous = a + (long long) (k - 1) * n;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
      double mx = -INFINITY;
      for (int i = 0; i < n; i++) mx = fmax(mx, previous[i] + (double) transitions[i * n + j]);
      double sum = 0.0;
      for (int i = 0; i < n; i++) sum += exp(previous[i] + (double) transitions[i * n + j] - mx);
      a[(long long) k * n + j] = (double) e[(long long) at[k] * n + j] + (mx + log(sum));
    }
    __syncthreads();
  }
  for (int i = threadIdx.x; i < n; i += blockDim.x) be[(long long) (length - 1) * n + i] = 0.0;
  __syncthreads();
  for (int k = length - 2; k >= 0; k--) {
    const float* next_e = e + (long long) at[k + 1] * n;
    const double* next = be + (long long) (k + 1) * n;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
      double mx = -INFINITY;
      for (int j = 0; j < n; j++) {
        mx = fmax(mx, (double) transitions[i * n + j] + (double) next_e[j] + next[j]);
      }
      double sum = 0.0;
      for (int j = 0; j < n; j++) {
        sum += exp((double) transitions[i * n + j] + (double) next_e[j] + next[j] - mx);
      }
      be[(long long) k * n + i] = mx + log(sum);
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const double* last = a + (long long) (length - 1) * n;
    double mx = -INFINITY;
    for (int j = 0; j < n; j++) mx = fmax(mx, last[j]);
    double sum = 0.0;
    for (int j = 0; j < n; j++) sum += exp(last[j] - mx);
    log_z = mx + log(sum);
    double score = e[(long long) at[0] * n + y[at[0]]];
    for (int k = 1; k < length; k++) {
      score += (double) e[(long long) at[k] * n + y[at[k]]]
               + (double) transitions[y[at[k - 1]] * n + y[at[k]]];
    }
    row_loss[b] = log_z - score;
  }
  __syncthreads();
  double lz = log_z;
  for (long long q = threadIdx.x; q < (long long) length * n; q += blockDim.x) {
    int k = (int) (q / n);
    int j = (int) (q % n);
    double g = exp(a[q] + be[q] - lz) - (y[at[k]] == j ? 1.0 : 0.0);
    d[(long long) at[k] * n + j] = (float) ((double) grad_scale * g);
  }
  for (int q = threadIdx.x; q < n * n; q += blockDim.x) {
    int i = q / n;
    int j = q % n;
    double sum = 0.0;
    for (int k = 1; k < length; k++) {
      double pair = exp(a[(long long) (k - 1) * n + i] + (double) transitions[q]
                        + (double) e[(long long) at[k] * n + j] + be[(long long) k * n + j] - lz);
      sum += pair - (y[at[k - 1]] == i && y[at[k]] == j ? 1.0 : 0.0);
    }
    part[q] = sum;
  }
}

extern "C" __global__ void memm_loss(const float* emissions, const float* transitions,
                                     const int* tags, const int* token_ids, int seq, int n,
                                     float* d_emissions, float grad_scale, int* positions,
                                     double* gradients, double* position_loss, double* partials,
                                     double* row_loss) {
  int b = blockIdx.x;
  long long base = (long long) b * seq;
  const float* e = emissions + base * n;
  float* d = d_emissions + base * n;
  const int* y = tags + base;
  int* at = positions + base;
  double* g = gradients + base * n;
  double* losses = position_loss + base * n;
  double* part = partials + (long long) b * n * n;
  int length = tag_path_positions(token_ids + base, seq, n, at, d);
  for (int k = threadIdx.x; k < length; k += blockDim.x) {
    int previous = k == 0 ? -1 : y[at[k - 1]];
    const float* ek = e + (long long) at[k] * n;
    double* z = g + (long long) k * n;
    double mx = -INFINITY;
    for (int m = 0; m < n; m++) {
      z[m] = (double) ek[m] + (previous < 0 ? 0.0 : (double) transitions[previous * n + m]);
      mx = fmax(mx, z[m]);
    }
    double sum = 0.0;
    for (int m = 0; m < n; m++) sum += exp(z[m] - mx);
    double lse = mx + log(sum);
    int target = y[at[k]];
    losses[k] = lse - z[target];
    for (int m = 0; m < n; m++) {
      z[m] = exp(z[m] - lse) - (m == target ? 1.0 : 0.0);
      d[(long long) at[k] * n + m] = (float) ((double) grad_scale * z[m]);
    }
  }
  __syncthreads();
  for (int q = threadIdx.x; q < n * n; q += blockDim.x) {
    int i = q / n;
    int j = q % n;
    double sum = 0.0;
    for (int k = 1; k < length; k++) {
      if (y[at[k - 1]] == i) sum += g[(long long) k * n + j];
    }
    part[q] = sum;
  }
  if (threadIdx.x == 0) {
    double loss = 0.0;
    for (int k = 0; k < length; k++) loss += losses[k];
    row_loss[b] = loss;
  }
}

extern "C" __global__ void tag_path_transitions(const double* partials, int batch, int square,
                                                float grad_scale, float* d_transitions) {
  int stride = gridDim.x * blockDim.x;
  for (int q = blockIdx.x * blockDim.x + threadIdx.x; q < square; q += stride) {
    double sum = 0.0;
    for (int b = 0; b < batch; b++) sum += partials[(long long) b * square + q];
    d_transitions[q] += (float) ((double) grad_scale * sum);
  }
}
