// cross_entropy.cu: softmax cross-entropy, forward and backward in one pass per row (one block of
// 256 threads per row): the row max, Σ e^(x − max), then
//   loss[r]  = log Σ + max − x[target]   (in double; the host adds the rows in order)
//   dLogits  = (softmax − onehot(target))·grad_scale
// Rows with target −1 get loss 0 and a zero gradient. d_logits may be the logits: each thread
// writes only the classes it read, and the target logit is read before the first barrier.
#include "common.cuh"

extern "C" __global__ void softmax_cross_entropy(const float* logits, const int* targets,
                                                 int classes, float* d_logits, float grad_scale,
                                                 double* row_loss) {
  __shared__ float max_scratch[WARP_SIZE];
  __shared__ double sum_scratch[WARP_SIZE];
  int row = blockIdx.x;
  const float* x = logits + (long long) row * classes;
  float* d = d_logits + (long long) row * classes;
  int target = targets[row];
  if (target < 0) {
    for (int c = threadIdx.x; c < classes; c += blockDim.x) d[c] = 0.0f;
    if (threadIdx.x == 0) row_loss[row] = 0.0;
    return;
  }
  float target_logit = x[target];
  float mx = -INFINITY;
  for (int c = threadIdx.x; c < classes; c += blockDim.x) mx = fmaxf(mx, x[c]);
  mx = block_max(mx, max_scratch);
  float partial = 0.0f;
  for (int c = threadIdx.x; c < classes; c += blockDim.x) partial += expf(x[c] - mx);
  double sum = block_sum(partial, sum_scratch);
  float scale = (float) (grad_scale / sum);
  for (int c = threadIdx.x; c < classes; c += blockDim.x) d[c] = expf(x[c] - mx) * scale;
  __syncthreads();
  if (threadIdx.x == 0) {
    d[target] -= grad_scale;
    row_loss[row] = log(sum) + mx - target_logit;
  }
}
