package bert4j.runtime.text.sentencepiece;

import java.util.Arrays;

/**
 * The pieces a model cut a normalized text into, in order: piece {@code i} is the bytes
 * {@code [starts[i], ends[i])} of the normalized text with id {@code ids[i]} (the unknown id for a
 * piece the vocabulary lacks).
 */
final class Segments {
  int[] starts = new int[16];
  int[] ends = new int[16];
  int[] ids = new int[16];
  int size;

  void add(int start, int end, int id) {
    if (size == ids.length) {
      starts = Arrays.copyOf(starts, size * 2);
      ends = Arrays.copyOf(ends, size * 2);
      ids = Arrays.copyOf(ids, size * 2);
    }
    starts[size] = start;
    ends[size] = end;
    ids[size] = id;
    size++;
  }
}
