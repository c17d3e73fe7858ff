// cross_entropy.cu: the losses, forward and backward in one pass, the row losses in double for the
// host to add in order. Softmax cross-entropy (Kernels.softmaxCrossEntropy), one block of 256
// threads per row: the row max, Σ e^(x − max), then
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

// Binary cross-entropy on one logit per row (Kernels.sigmoidCrossEntropy, ELECTRA's replaced-token
// detection), one thread per row, in double as in the CPU backend:
//   loss[r]  = max(z, 0) − t·z + log1p(e^−|z|)   (softplus(z) − t·z without overflow)
//   dLogits  = (σ(z) − t)·grad_scale
// Rows with target −1 get loss 0 and a zero gradient. d_logits may be the logits.
extern "C" __global__ void sigmoid_cross_entropy(const float* logits, const int* targets,
                                                 long long rows, float* d_logits,
                                                 float grad_scale, double* row_loss) {
  long long stride = (long long) gridDim.x * blockDim.x;
  for (long long r = (long long) blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += stride) {
    int t = targets[r];
    if (t < 0) {
      row_loss[r] = 0.0;
      d_logits[r] = 0.0f;
      continue;
    }
    double z = logits[r];
    double e = exp(-fabs(z));
    row_loss[r] = fmax(z, 0.0) - t * z + log1p(e);
    double sigmoid = z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    d_logits[r] = (float) ((sigmoid - t) * grad_scale);
  }
}
