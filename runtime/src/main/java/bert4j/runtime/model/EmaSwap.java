package bert4j.runtime.model;

import bert4j.runtime.ParameterInfo;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;

/**
 * Swaps a model's parameters with their bias-corrected moving average and back ({@code applyEma} /
 * {@code restore}): the parameters are kept aside in a backup allocated on first use, and an average
 * that is not finite is refused before anything changes.
 */
final class EmaSwap {
  private static final int CHUNK = 1 << 20;

  private final Kernels kernels;
  private final Memory params;
  private final int count;
  private final ParameterIndex index;
  private Memory backup;
  private boolean applied;

  EmaSwap(Kernels kernels, Memory params, int count, ParameterIndex index) {
    this.kernels = kernels;
    this.params = params;
    this.count = count;
    this.index = index;
  }

  boolean applied() {
    return applied;
  }

  /** Forgets that the average is applied (the weights were replaced wholesale). */
  void forget() {
    applied = false;
  }

  /** Puts {@code ema × correction} into the parameters, keeping them aside. */
  void apply(Slice ema, double correction) {
    if (applied) {
      throw new IllegalStateException("the moving average is already applied; restore() first");
    }
    float[] buffer = new float[Math.min(count, CHUNK)];
    requireFinite(ema, correction, buffer);
    if (backup == null) {
      backup = kernels.allocate(count);
    }
    for (int start = 0; start < count; start += buffer.length) {
      int n = Math.min(buffer.length, count - start);
      kernels.read(new Slice(params, start), buffer, 0, n);
      kernels.write(buffer, 0, new Slice(backup, start), n);
      kernels.read(ema.plus(start), buffer, 0, n);
      for (int i = 0; i < n; i++) {
        buffer[i] = (float) (buffer[i] * correction);
      }
      kernels.write(buffer, 0, new Slice(params, start), n);
    }
    applied = true;
  }

  /** Puts back, bit for bit, the parameters {@link #apply} kept aside. */
  void restore() {
    if (!applied) {
      throw new IllegalStateException("restore() undoes applyEma(), which was not called");
    }
    float[] buffer = new float[Math.min(count, CHUNK)];
    for (int start = 0; start < count; start += buffer.length) {
      int n = Math.min(buffer.length, count - start);
      kernels.read(new Slice(backup, start), buffer, 0, n);
      kernels.write(buffer, 0, new Slice(params, start), n);
    }
    applied = false;
  }

  /**
   * Fails, naming the parameter, when an averaged weight is NaN or infinite: swapping it in would
   * poison every later output.
   */
  private void requireFinite(Slice ema, double correction, float[] buffer) {
    for (int start = 0; start < count; start += buffer.length) {
      int n = Math.min(buffer.length, count - start);
      kernels.read(ema.plus(start), buffer, 0, n);
      for (int i = 0; i < n; i++) {
        float averaged = (float) (buffer[i] * correction);
        if (!Float.isFinite(averaged)) {
          ParameterInfo p = index.at(start + i);
          throw new IllegalStateException("applyEma: the moving average of " + p.name() + " is "
              + averaged + " at element " + (start + i - p.offset()) + " (" + buffer[i]
              + " × bias correction " + correction + "); the parameters were left as they are");
        }
      }
    }
  }

  /** Frees the backup, if any. */
  void close() {
    if (backup != null) {
      backup.close();
    }
  }
}
