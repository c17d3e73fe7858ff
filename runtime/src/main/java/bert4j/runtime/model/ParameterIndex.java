package bert4j.runtime.model;

import bert4j.runtime.ParameterInfo;
import java.util.Arrays;
import java.util.List;

/**
 * Finds which parameter a float of the flat parameter buffer (or of a buffer laid out like it:
 * gradients, moving averages) belongs to, for error messages that name a tensor and an element.
 */
final class ParameterIndex {
  private final List<ParameterInfo> parameters;

  ParameterIndex(List<ParameterInfo> parameters) {
    this.parameters = List.copyOf(parameters);
  }

  /** The parameter holding float {@code index} of the flat buffer. */
  ParameterInfo at(long index) {
    int lo = 0;
    int hi = parameters.size() - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (parameters.get(mid).offset() <= index) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return parameters.get(lo);
  }

  /** {@code name[i, j]}: the parameter and the position within it of float {@code index}. */
  String element(long index) {
    ParameterInfo p = at(index);
    int[] shape = p.shape();
    int[] position = new int[shape.length];
    long rest = index - p.offset();
    for (int d = shape.length - 1; d >= 0; d--) {
      position[d] = (int) (rest % shape[d]);
      rest /= shape[d];
    }
    return p.name() + Arrays.toString(position);
  }
}
