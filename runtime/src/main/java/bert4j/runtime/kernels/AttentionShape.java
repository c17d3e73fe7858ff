package bert4j.runtime.kernels;

/**
 * The sizes of one attention call: batch and sequence length of this call, and the model's heads, key
 * size (q and k per head), head size (v per head) and logit scale.
 */
public record AttentionShape(int batch, int seq, int heads, int keySize, int headSize, float scale) {
  public AttentionShape {
    if (batch <= 0 || seq <= 0 || heads <= 0 || keySize <= 0 || headSize <= 0) {
      throw new IllegalArgumentException("attention sizes must be positive: " + this);
    }
  }

  /** Width of a row of q and k: heads × keySize. */
  public int qkWidth() {
    return heads * keySize;
  }

  /** Width of a row of v and of the context: heads × headSize. */
  public int vWidth() {
    return heads * headSize;
  }

  /** Width of a row of q, k and v side by side (the fused q·k·v product): 2·qkWidth + vWidth. */
  public int qkvWidth() {
    return 2 * qkWidth() + vWidth();
  }
}
