package bert4j.runtime.text.sentencepiece;

import java.util.Arrays;

/**
 * The candidate merges of a BPE segmentation, best first: the highest score, then the leftmost (the
 * order of SentencePiece's {@code SymbolPairComparator}). A binary heap of pair numbers over parallel
 * arrays, so queuing a pair allocates nothing but an occasional array growth.
 */
final class PairQueue {
  int[] left = new int[16];
  int[] right = new int[16];
  private float[] score = new float[16];
  private int[] pieceSize = new int[16];
  private int[] heap = new int[16];
  private int pairs;
  /** Number of pairs queued and not yet polled. */
  private int size;

  void add(int leftSymbol, int rightSymbol, float pairScore, int pairSize) {
    if (pairs == left.length) {
      int capacity = pairs * 2;
      left = Arrays.copyOf(left, capacity);
      right = Arrays.copyOf(right, capacity);
      score = Arrays.copyOf(score, capacity);
      pieceSize = Arrays.copyOf(pieceSize, capacity);
      heap = Arrays.copyOf(heap, capacity);
    }
    int pair = pairs++;
    left[pair] = leftSymbol;
    right[pair] = rightSymbol;
    score[pair] = pairScore;
    pieceSize[pair] = pairSize;
    int at = size++;
    while (at > 0 && before(pair, heap[(at - 1) / 2])) {
      heap[at] = heap[(at - 1) / 2];
      at = (at - 1) / 2;
    }
    heap[at] = pair;
  }

  /** Removes and returns the best pair. */
  int poll() {
    int best = heap[0];
    int last = heap[--size];
    int at = 0;
    while (2 * at + 1 < size) {
      int child = 2 * at + 1;
      if (child + 1 < size && before(heap[child + 1], heap[child])) {
        child++;
      }
      if (!before(heap[child], last)) {
        break;
      }
      heap[at] = heap[child];
      at = child;
    }
    heap[at] = last;
    return best;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The byte length of the piece that pair {@code pair} joins into. */
  int pieceSize(int pair) {
    return pieceSize[pair];
  }

  private boolean before(int a, int b) {
    return score[a] > score[b] || (score[a] == score[b] && left[a] < left[b]);
  }
}
