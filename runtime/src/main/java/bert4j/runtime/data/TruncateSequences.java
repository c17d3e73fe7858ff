package bert4j.runtime.data;

import java.util.Arrays;
import java.util.List;

/**
 * bert4keras {@code truncate_sequences}: while the sequences together are longer than {@code maxLen},
 * remove one element from the longest of them (the first longest on a tie) at a fixed index. Index −2 on
 * token lists that end in [SEP] drops their last real token; index 1 on lists that start with [CLS] drops
 * their first. Indices may be negative, counting from the end as in Python.
 *
 * <p>One difference: bert4keras drops empty sequences before pairing them with a list of indices, so its
 * indices can shift; here index {@code i} always belongs to sequence {@code i}.
 */
public final class TruncateSequences {
  private TruncateSequences() {}

  /**
   * The lengths the rule leaves, without touching any sequence: the same rule on lengths alone.
   *
   * @throws IllegalArgumentException if {@code maxLen} or a length is negative
   */
  public static int[] truncatedLengths(int maxLen, int... lengths) {
    if (maxLen < 0) {
      throw new IllegalArgumentException("maxLen must be >= 0, got " + maxLen);
    }
    int[] result = lengths.clone();
    long total = 0;
    for (int i = 0; i < result.length; i++) {
      if (result[i] < 0) {
        throw new IllegalArgumentException("sequence " + i + " has negative length " + result[i]);
      }
      total += result[i];
    }
    while (total > maxLen) {
      int longest = 0;
      for (int i = 1; i < result.length; i++) {
        if (result[i] > result[longest]) {
          longest = i;
        }
      }
      result[longest]--;
      total--;
    }
    return result;
  }

  /** Truncates the sequences in place, removing at {@code index} from whichever is longest. */
  public static void truncate(int maxLen, int index, List<?>... sequences) {
    int[] indices = new int[sequences.length];
    Arrays.fill(indices, index);
    truncate(maxLen, indices, sequences);
  }

  /**
   * Truncates the sequences in place, removing at {@code indices[i]} when sequence {@code i} is the
   * longest.
   *
   * @throws IllegalArgumentException if the counts differ, or an index does not exist in the sequence it
   *     must shorten (for example −2 in a sequence of one element: {@code maxLen} is too small)
   */
  public static void truncate(int maxLen, int[] indices, List<?>... sequences) {
    if (indices.length != sequences.length) {
      throw new IllegalArgumentException(indices.length + " indices for " + sequences.length
          + " sequences");
    }
    int[] lengths = new int[sequences.length];
    for (int i = 0; i < sequences.length; i++) {
      if (sequences[i] == null) {
        throw new IllegalArgumentException("sequence " + i + " to truncate is null");
      }
      lengths[i] = sequences[i].size();
    }
    int[] target = truncatedLengths(maxLen, lengths);
    for (int i = 0; i < sequences.length; i++) {
      List<?> sequence = sequences[i];
      while (sequence.size() > target[i]) {
        int size = sequence.size();
        int at = indices[i] < 0 ? size + indices[i] : indices[i];
        if (at < 0 || at >= size) {
          throw new IllegalArgumentException("cannot remove index " + indices[i] + " from sequence "
              + i + " of length " + size + " (is maxLen " + maxLen + " too small?)");
        }
        sequence.remove(at);
      }
    }
  }
}
