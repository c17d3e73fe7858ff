// adafactor.cu: AdaFactor's factored second moment for one update, advanced in place in region V
// before the update reads it (the old statistics are read only here). For each factored tensor
// [rows, cols] and s = g² + ε₁ of the processed gradient:
//   v_row[r] = β₂·v_row[r] + (1 − β₂)·mean_j s[r, j]    adafactor_row_stats, one warp per row
//   v_col[j] = β₂·v_col[j] + (1 − β₂)·mean_r s[r, j]    adafactor_column_partials (tiles of 64 rows
//                                                        × 128 columns), then adafactor_column_stats
//   denominator = the mean of v_row (cols ≥ rows) or v_col  adafactor_denominators, block per tensor
// Sums in double, in a fixed order.
#include "optimizer.cuh"

__device__ __forceinline__ double adafactor_square(const Update& u, long long i) {
  float g = gradient(u, i, true);
  float s = g * g + u.epsilon1;
  return s;
}

extern "C" __global__ void adafactor_row_stats(OPTIMIZER_PARAMETERS, int total_rows) {
  OPTIMIZER_UPDATE;
  int lane = threadIdx.x % WARP_SIZE;
  long long row_index = (long long) blockIdx.x * (blockDim.x / WARP_SIZE) + threadIdx.x / WARP_SIZE;
  if (row_index >= total_rows) return;
  Tensor t = find_tensor(u.tensors, u.tensor_count, T_FIRST_ROW, row_index);
  long long r = row_index - t[T_FIRST_ROW];
  int cols = t[T_ROW];
  long long base = t[T_OFFSET] + r * cols;
  double sum = 0.0;
  for (int j = lane; j < cols; j += WARP_SIZE) sum += adafactor_square(u, base + j);
  sum = warp_sum(sum);
  if (lane == 0) {
    float* stat = u.v + t[T_V_OFFSET] + r;
    *stat = u.beta2 * *stat + u.one_minus_beta2 * (float) (sum / cols);
  }
}

// Block b: one tile of ADAFACTOR_ROWS_PER_PARTIAL rows × blockDim.x (= ADAFACTOR_COLUMNS_PER_TILE)
// columns of one factored tensor; column_partials[T_COLUMN_PARTIALS + chunk·cols + j].
extern "C" __global__ void adafactor_column_partials(OPTIMIZER_PARAMETERS,
                                                     double* column_partials) {
  OPTIMIZER_UPDATE;
  Tensor t = find_tensor(u.tensors, u.tensor_count, T_FIRST_TILE, blockIdx.x);
  int cols = t[T_ROW];
  int column_blocks = (cols + blockDim.x - 1) / blockDim.x;
  int tile = blockIdx.x - t[T_FIRST_TILE];
  int chunk = tile / column_blocks;
  int j = (tile % column_blocks) * blockDim.x + threadIdx.x;
  if (j >= cols) return;
  int first = chunk * ADAFACTOR_ROWS_PER_PARTIAL;
  int last = min(t[T_ROWS], first + ADAFACTOR_ROWS_PER_PARTIAL);
  double sum = 0.0;
  for (int r = first; r < last; r++) sum += adafactor_square(u, t[T_OFFSET] + (long long) r * cols + j);
  column_partials[t[T_COLUMN_PARTIALS] + (long long) chunk * cols + j] = sum;
}

extern "C" __global__ void adafactor_column_stats(OPTIMIZER_PARAMETERS, int total_columns,
                                                  const double* column_partials) {
  OPTIMIZER_UPDATE;
  long long index = (long long) blockIdx.x * blockDim.x + threadIdx.x;
  if (index >= total_columns) return;
  Tensor t = find_tensor(u.tensors, u.tensor_count, T_FIRST_COLUMN, index);
  int j = (int) (index - t[T_FIRST_COLUMN]);
  int cols = t[T_ROW];
  int rows = t[T_ROWS];
  int chunks = (rows + ADAFACTOR_ROWS_PER_PARTIAL - 1) / ADAFACTOR_ROWS_PER_PARTIAL;
  const double* partial = column_partials + t[T_COLUMN_PARTIALS] + j;
  double sum = 0.0;
  for (int c = 0; c < chunks; c++) sum += partial[(long long) c * cols];
  float* stat = u.v + t[T_V_OFFSET] + rows + j;
  *stat = u.beta2 * *stat + u.one_minus_beta2 * (float) (sum / rows);
}

extern "C" __global__ void adafactor_denominators(const int* tensors, const float* v,
                                                  float* tensor_scalars) {
  __shared__ double scratch[WARP_SIZE];
  Tensor t = tensor_at(tensors, blockIdx.x);
  if (!(t[T_FLAGS] & FACTORED)) return;
  int rows = t[T_ROWS];
  int cols = t[T_ROW];
  bool by_rows = cols >= rows;
  int n = by_rows ? rows : cols;
  const float* stats = v + t[T_V_OFFSET] + (by_rows ? 0 : rows);
  double sum = 0.0;
  for (int i = threadIdx.x; i < n; i += blockDim.x) sum += stats[i];
  sum = block_sum(sum, scratch);
  if (threadIdx.x == 0) {
    tensor_scalars[(long long) blockIdx.x * TENSOR_SCALARS + S_DENOMINATOR] = (float) (sum / n);
  }
}
