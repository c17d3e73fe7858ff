package bert4j.runtime.model;

import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import java.util.Arrays;

/**
 * The key/value cache of incremental decoding: for every layer a key and a value block of
 * {@code slots × maxLength} rows in backend memory (slot {@code maxBatch} is a spare that
 * {@link #reorder} uses to break cycles), the token and segment id of every cached position on the
 * host (the attention mask reads them), and each sequence's length. Allocated by the model on first
 * use, so a model that never decodes pays nothing.
 */
final class KeyValueCache implements AutoCloseable {
  private final Kernels kernels;
  private final int maxBatch;
  private final int maxLength;
  private final DecodeLayout layout;
  private final Memory memory;
  private final Slice[] keys;
  private final Slice[] values;
  /** The token and segment id at each cached position: {@code [slot, maxLength]}. */
  final int[] tokens;
  final int[] segments;
  /** Each slot's sequence length. */
  private final int[] lengths;
  /** Rows every slot holds whatever its length: an encoder–decoder's cached encoder rows. */
  private int heldRows;
  private int batch;

  KeyValueCache(Kernels kernels, int maxBatch, int maxLength, DecodeLayout layout,
      String specName) {
    this.kernels = kernels;
    this.maxBatch = maxBatch;
    this.maxLength = maxLength;
    this.layout = layout;
    int slots = maxBatch + 1;
    long perLayer = (long) slots * maxLength * (layout.keyWidth() + layout.valueWidth());
    long floats = perLayer * layout.layers();
    try {
      this.memory = kernels.allocate(floats);
    } catch (RuntimeException | OutOfMemoryError e) {
      throw new IllegalArgumentException("maxBatch=" + maxBatch + " × maxLength=" + maxLength
          + " needs a key/value cache of " + 4 * floats + " bytes (" + (4 * floats >> 20)
          + " MiB) for " + specName + ", which " + kernels.name() + " could not allocate (" + e
          + "): lower maxBatch or maxLength", e);
    }
    this.keys = new Slice[layout.layers()];
    this.values = new Slice[layout.layers()];
    for (int l = 0; l < layout.layers(); l++) {
      keys[l] = new Slice(memory, l * perLayer);
      values[l] = new Slice(memory, l * perLayer + (long) slots * maxLength * layout.keyWidth());
    }
    this.tokens = new int[slots * maxLength];
    this.segments = new int[slots * maxLength];
    this.lengths = new int[slots];
  }

  Slice keys(int layer) {
    return keys[layer];
  }

  Slice values(int layer) {
    return values[layer];
  }

  /** Sequences held; 0 before the first start. */
  int batch() {
    return batch;
  }

  int length(int sequence) {
    return lengths[sequence];
  }

  /** Starts {@code batch} empty sequences. */
  void reset(int batch) {
    this.batch = batch;
    this.heldRows = 0;
    Arrays.fill(lengths, 0);
  }

  /**
   * Makes {@link #reorder} move at least {@code rows} rows (and ids) of every slot: the encoder rows
   * an encoder–decoder's cross-attention layers cache, however short the decoder's sequence.
   */
  void holdRows(int rows) {
    this.heldRows = rows;
  }

  /** Records that sequence {@code sequence} now holds {@code length} tokens. */
  void setLength(int sequence, int length) {
    lengths[sequence] = length;
  }

  /**
   * Slot b of the new batch continues slot parents[b]: every slot whose parent differs is copied
   * from it (all layers, keys and values, its cached positions and ids), in an order that reads each
   * slot before overwriting it; a cycle of slots goes through the spare slot. Parents are checked by
   * the caller.
   */
  void reorder(int[] parents) {
    int spare = maxBatch;
    int[] source = parents.clone();
    int[] readers = new int[maxBatch + 1];
    boolean[] pending = new boolean[parents.length];
    int left = 0;
    for (int b = 0; b < parents.length; b++) {
      if (source[b] != b) {
        pending[b] = true;
        readers[source[b]]++;
        left++;
      }
    }
    while (left > 0) {
      boolean moved = false;
      for (int b = 0; b < parents.length; b++) {
        if (pending[b] && readers[b] == 0) {
          move(source[b], b);
          readers[source[b]]--;
          pending[b] = false;
          left--;
          moved = true;
        }
      }
      if (!moved) {
        int b = firstPending(pending);
        move(b, spare);
        for (int c = 0; c < parents.length; c++) {
          if (pending[c] && source[c] == b) {
            source[c] = spare;
          }
        }
        readers[spare] = readers[b];
        readers[b] = 0;
      }
    }
    batch = parents.length;
  }

  private static int firstPending(boolean[] pending) {
    for (int b = 0; b < pending.length; b++) {
      if (pending[b]) {
        return b;
      }
    }
    throw new IllegalStateException("no slot is pending");
  }

  /** Copies slot {@code from}'s cached positions, ids and length into slot {@code to}. */
  private void move(int from, int to) {
    int length = Math.max(lengths[from], heldRows);
    for (int l = 0; l < layout.layers(); l++) {
      copyRows(keys[l], from, to, length, layout.keyWidth());
      copyRows(values[l], from, to, length, layout.valueWidth());
    }
    System.arraycopy(tokens, from * maxLength, tokens, to * maxLength, length);
    System.arraycopy(segments, from * maxLength, segments, to * maxLength, length);
    lengths[to] = lengths[from];
  }

  private void copyRows(Slice block, int from, int to, int length, int width) {
    long slot = (long) maxLength * width;
    kernels.copy(block.plus(from * slot), block.plus(to * slot), (long) length * width);
  }

  @Override
  public void close() {
    memory.close();
  }
}
