package bert4j.runtime.data;

import java.util.Arrays;
import java.util.List;

/**
 * bert4keras {@code sequence_padding}: sequences of different lengths as one rectangular array, padded to
 * the longest sequence or to a given length, after ({@link Mode#POST}, the default) or before
 * ({@link Mode#PRE}) the values. A sequence longer than a given length keeps its first {@code length}
 * values in either mode, as in bert4keras.
 */
public final class SequencePadding {
  /** Where the padding goes. */
  public enum Mode {
    /** Before the values: {@code [0, 0, 7, 8]}. */
    PRE,
    /** After the values: {@code [7, 8, 0, 0]}. */
    POST
  }

  private SequencePadding() {}

  /** Pads with 0 after the values to the longest sequence. */
  public static int[][] pad(List<int[]> sequences) {
    return padToLongest(sequences, 0, Mode.POST);
  }

  /** Pads with 0 after the values (or cuts) to {@code length}. */
  public static int[][] pad(List<int[]> sequences, int length) {
    return pad(sequences, length, 0, Mode.POST);
  }

  /** Pads with {@code value} to the longest sequence (no columns if there are no values at all). */
  public static int[][] padToLongest(List<int[]> sequences, int value, Mode mode) {
    if (sequences == null) {
      throw new IllegalArgumentException("sequences to pad are null");
    }
    int longest = 0;
    for (int i = 0; i < sequences.size(); i++) {
      longest = Math.max(longest, sequence(sequences, i).length);
    }
    return pad(sequences, longest, value, mode);
  }

  /**
   * Pads with {@code value} to {@code length}, at the side {@code mode} says; longer sequences keep
   * their first {@code length} values.
   */
  public static int[][] pad(List<int[]> sequences, int length, int value, Mode mode) {
    if (length < 0) {
      throw new IllegalArgumentException("padding length must be >= 0, got " + length);
    }
    if (sequences == null) {
      throw new IllegalArgumentException("sequences to pad are null");
    }
    if (mode == null) {
      throw new IllegalArgumentException("padding mode is null (PRE or POST)");
    }
    int[][] padded = new int[sequences.size()][];
    for (int i = 0; i < padded.length; i++) {
      int[] values = sequence(sequences, i);
      int kept = Math.min(values.length, length);
      int[] row = new int[length];
      if (value != 0) {
        Arrays.fill(row, value);
      }
      System.arraycopy(values, 0, row, mode == Mode.POST ? 0 : length - kept, kept);
      padded[i] = row;
    }
    return padded;
  }

  private static int[] sequence(List<int[]> sequences, int i) {
    int[] values = sequences.get(i);
    if (values == null) {
      throw new IllegalArgumentException("sequence " + i + " to pad is null");
    }
    return values;
  }
}
