package bert4j.runtime.cpu;

/**
 * The number format of the CPU backend's linear layers (Q, K, V, attention output, feed-forward,
 * pooler); everything else stays float32. Reduced precision is for inference: the kernels refuse a
 * linear backward pass, so a training model runs float32 kernels.
 */
public enum Precision {
  /**
   * oneDNN matmul in float32 on the weights as they lie, as in training; a model created for
   * inference has its dense layers' weights packed in place ({@link InPlaceWeights}).
   */
  FLOAT32,
  /**
   * oneDNN matmul on bf16 activations and weights, accumulated and written in float32 (AVX-512 BF16
   * or AMX).
   */
  BF16,
  /**
   * oneDNN matmul on int8: weights quantised once per output channel, activations at each call
   * with one scale for the matrix (symmetric, scale = max |x| / 127), accumulated in int32 and
   * written in float32 (VNNI or AMX).
   */
  INT8
}
