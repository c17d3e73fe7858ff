package bert4j.runtime.text;

import java.util.Arrays;

/** A growable list of word pieces (token id and source span) that one tokenization call fills. */
final class PieceBuffer {
  int[] ids = new int[64];
  int[] starts = new int[64];
  int[] ends = new int[64];
  int size;

  void add(int id, int start, int end) {
    if (size == ids.length) {
      int capacity = size * 2;
      ids = Arrays.copyOf(ids, capacity);
      starts = Arrays.copyOf(starts, capacity);
      ends = Arrays.copyOf(ends, capacity);
    }
    ids[size] = id;
    starts[size] = start;
    ends[size] = end;
    size++;
  }
}
