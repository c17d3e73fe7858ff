package bert4j.runtime.cpu;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The last step of a reduction over rows done in fixed blocks of rows (dγ and dβ of layer norm,
 * dBias of a dense layer): the blocks' partial sums added in block order, then into their target.
 * Blocks are fixed by row count, not by thread, so the sums come out the same bit for bit on any
 * number of threads.
 */
final class BlockSums {
  private BlockSums() {}

  /**
   * target[targetOff + j] += Σ_b partials[first + b·stride + j] for j in [0, width), b in
   * [0, blocks) in order (= where not {@code accumulate}); {@code total} and {@code current} are
   * scratch of at least width floats.
   */
  static void addInOrder(float[] partials, int first, int stride, int blocks, int width,
      FloatBuffer target, int targetOff, boolean accumulate, float[] total, float[] current) {
    Arrays.fill(total, 0, width, 0f);
    for (int block = 0; block < blocks; block++) {
      int base = first + block * stride;
      for (int j = 0; j < width; j++) {
        total[j] += partials[base + j];
      }
    }
    if (!accumulate) {
      target.put(targetOff, total, 0, width);
      return;
    }
    target.get(targetOff, current, 0, width);
    for (int j = 0; j < width; j++) {
      current[j] += total[j];
    }
    target.put(targetOff, current, 0, width);
  }
}
