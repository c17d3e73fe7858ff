package bert4j.runtime.text.sentencepiece;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * BPE segmentation as SentencePiece's {@code bpe_model} does it: start from single characters
 * (user-defined pieces whole, and never merged), then repeatedly merge the adjacent pair whose joined
 * text is a piece with the highest score (the leftmost on a tie), until no adjacent pair joins into a
 * piece. A result that is an unused piece is split back into the two symbols it was merged from.
 */
final class BpeSegmenter implements Segmenter {
  private final PieceTable table;
  private final boolean hasUnused;

  BpeSegmenter(PieceTable table) {
    this.table = table;
    boolean unused = false;
    for (Piece piece : table.pieces) {
      unused |= piece.type() == PieceType.UNUSED;
    }
    this.hasUnused = unused;
  }

  @Override
  public void segment(byte[] text, int length, Segments out) {
    if (length == 0) {
      return;
    }
    Symbols symbols = new Symbols(text, length);
    PairQueue queue = new PairQueue();
    Map<String, Integer> splits = hasUnused ? new HashMap<>() : null;
    for (int i = 1; i < symbols.count; i++) {
      offer(symbols, i - 1, i, queue, splits);
    }
    while (!queue.isEmpty()) {
      int pair = queue.poll();
      int left = queue.left[pair];
      int right = queue.right[pair];
      if (symbols.length[left] == 0 || symbols.length[right] == 0
          || symbols.length[left] + symbols.length[right] != queue.pieceSize(pair)) {
        continue; // stale: one side was merged into something else since
      }
      symbols.length[left] += symbols.length[right];
      symbols.next[left] = symbols.next[right];
      if (symbols.next[right] >= 0) {
        symbols.prev[symbols.next[right]] = left;
      }
      symbols.length[right] = 0;
      offer(symbols, symbols.prev[left], left, queue, splits);
      offer(symbols, left, symbols.next[left], queue, splits);
    }
    for (int i = 0; i >= 0; i = symbols.next[i]) {
      emit(text, symbols.start[i], symbols.start[i] + symbols.length[i], splits, out);
    }
  }

  /** SentencePiece's {@code MaybeAddNewSymbolPair}: queues the merge of two symbols if it is a piece. */
  private void offer(Symbols symbols, int left, int right, PairQueue queue,
      Map<String, Integer> splits) {
    if (left < 0 || right < 0 || symbols.frozen[left] || symbols.frozen[right]) {
      return;
    }
    int from = symbols.start[left];
    int size = symbols.length[left] + symbols.length[right];
    int id = table.segmentable.find(symbols.text, from, from + size);
    if (id < 0) {
      return;
    }
    queue.add(left, right, table.pieces[id].score(), size);
    if (table.type(id) == PieceType.UNUSED) {
      splits.put(key(symbols.text, from, from + size), symbols.length[left]);
    }
  }

  /** Emits {@code text[from, to)}, split back into its parts while it is an unused piece. */
  private void emit(byte[] text, int from, int to, Map<String, Integer> splits, Segments out) {
    int id = table.id(text, from, to);
    Integer leftLength = table.type(id) == PieceType.UNUSED ? splits.get(key(text, from, to)) : null;
    if (leftLength == null) {
      out.add(from, to, id);
    } else {
      emit(text, from, from + leftLength, splits, out);
      emit(text, from + leftLength, to, splits, out);
    }
  }

  private static String key(byte[] text, int from, int to) {
    return new String(text, from, to - from, StandardCharsets.ISO_8859_1);
  }

  /** The symbols of the text as a linked list over arrays; a merged-away symbol has length 0. */
  private final class Symbols {
    final byte[] text;
    final int[] start;
    final int[] length;
    final int[] prev;
    final int[] next;
    final boolean[] frozen;
    int count;

    Symbols(byte[] text, int n) {
      this.text = text;
      start = new int[n];
      length = new int[n];
      prev = new int[n];
      next = new int[n];
      frozen = new boolean[n];
      for (int at = 0; at < n; count++) {
        int user = table.userDefined.longestMatch(text, at, n);
        int size = user > 0 ? user : Math.min(Utf8.charLength(text[at]), n - at);
        start[count] = at;
        length[count] = size;
        frozen[count] = user > 0;
        prev[count] = count - 1;
        at += size;
        next[count] = at < n ? count + 1 : -1;
      }
    }
  }
}
