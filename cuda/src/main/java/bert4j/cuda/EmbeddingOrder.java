package bert4j.cuda;

import java.util.Arrays;

/**
 * The rows of an embedding backward grouped by id, for the deterministic scatter-add
 * (embedding.cu): the rows sorted by (id, row), where each distinct id's rows start, and the
 * distinct ids, packed into one int array for one upload:
 * {@code [order (rows) | starts (uniques + 1) | unique ids (uniques)]}.
 */
final class EmbeddingOrder {
  private long[] keys = new long[0];
  private int[] packed = new int[0];
  private int uniques;

  /** Groups the first {@code rows} ids; returns how many ints of {@link #packed()} to upload. */
  int arrange(int[] ids, int rows) {
    if (keys.length < rows) {
      keys = new long[rows];
      packed = new int[3 * rows + 1];
    }
    for (int r = 0; r < rows; r++) {
      keys[r] = (long) ids[r] << 32 | r;
    }
    Arrays.sort(keys, 0, rows);
    uniques = 0;
    for (int i = 0; i < rows; i++) {
      packed[i] = (int) keys[i];
      if (i == 0 || keys[i] >>> 32 != keys[i - 1] >>> 32) {
        packed[rows + uniques] = i;
        uniques++;
      }
    }
    packed[rows + uniques] = rows;
    for (int u = 0; u < uniques; u++) {
      packed[rows + uniques + 1 + u] = (int) (keys[packed[rows + u]] >>> 32);
    }
    return rows + 2 * uniques + 1;
  }

  int[] packed() {
    return packed;
  }

  /** Distinct ids of the last {@link #arrange}. */
  int uniques() {
    return uniques;
  }
}
