package bert4j.runtime.kernels;

import java.util.Arrays;

/**
 * The target spans of {@link Kernels#spanLoss} grouped by row (b, t): for row r, the distinct target
 * cells i·seq + j in increasing order are {@code cells[offsets[r] .. offsets[r + 1])}. Backends build
 * it on the host from the checked (b, t, i, j) quadruples; it is what lets a row tell its targets from
 * the rest without a seq² table per row.
 */
public record SpanRows(int[] offsets, int[] cells) {
  /** The rows of {@code spans} (4 ints a span) for {@code batch·types} rows of {@code seq²} cells. */
  public static SpanRows of(int[] spans, int batch, int seq, int types) {
    int rows = batch * types;
    int count = spans.length / 4;
    long[] keys = new long[count];
    for (int s = 0; s < count; s++) {
      long row = (long) spans[4 * s] * types + spans[4 * s + 1];
      keys[s] = row * seq * seq + (long) spans[4 * s + 2] * seq + spans[4 * s + 3];
    }
    Arrays.sort(keys);
    int[] offsets = new int[rows + 1];
    int[] cells = new int[count];
    int n = 0;
    long cellsPerRow = (long) seq * seq;
    for (int s = 0; s < count; s++) {
      if (s > 0 && keys[s] == keys[s - 1]) {
        continue;
      }
      offsets[(int) (keys[s] / cellsPerRow) + 1]++;
      cells[n++] = (int) (keys[s] % cellsPerRow);
    }
    for (int r = 0; r < rows; r++) {
      offsets[r + 1] += offsets[r];
    }
    return new SpanRows(offsets, Arrays.copyOf(cells, n));
  }

  /** The number of distinct target cells. */
  public int size() {
    return cells.length;
  }
}
