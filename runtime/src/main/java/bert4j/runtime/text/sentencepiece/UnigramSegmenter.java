package bert4j.runtime.text.sentencepiece;

import java.util.Arrays;

/**
 * Unigram segmentation: the cut of the text into vocabulary pieces with the highest total score, by
 * Viterbi over byte positions (SentencePiece's {@code EncodeOptimized}). Unused pieces are skipped; a
 * user-defined piece scores {@code length × max normal score − 0.1}, so it wins; a character that
 * starts no piece of its own length becomes the unknown piece with the lowest normal score minus 10.
 * Scores add in the precisions SentencePiece uses (double for pieces, float for the unknown piece, the
 * best score per position kept as a float), so ties and near-ties fall the same way.
 */
final class UnigramSegmenter implements Segmenter {
  private static final float UNKNOWN_PENALTY = 10.0f;

  private final PieceTrie trie;
  private final PieceType[] types;
  private final float[] scores;
  private final int unkId;
  private final float maxScore;
  private final float unknownScore;

  UnigramSegmenter(PieceTable table) {
    this.trie = table.segmentable;
    this.unkId = table.unkId;
    int n = table.pieces.length;
    types = new PieceType[n];
    scores = new float[n];
    float min = Float.MAX_VALUE;
    float max = Float.MIN_NORMAL; // SentencePiece starts from FLT_MIN, the smallest positive float
    for (int id = 0; id < n; id++) {
      Piece piece = table.pieces[id];
      types[id] = piece.type();
      scores[id] = piece.score();
      if (piece.type() == PieceType.NORMAL) {
        min = Math.min(min, piece.score());
        max = Math.max(max, piece.score());
      }
    }
    this.maxScore = max;
    this.unknownScore = min - UNKNOWN_PENALTY;
  }

  @Override
  public void segment(byte[] text, int length, Segments out) {
    if (length == 0) {
      return;
    }
    float[] best = new float[length + 1];
    int[] startOf = new int[length + 1];
    int[] idOf = new int[length + 1];
    Arrays.fill(startOf, -1);
    for (int start = 0; start < length; ) {
      float sofar = best[start];
      int charLength = Math.min(Utf8.charLength(text[start]), length - start);
      boolean coversChar = false;
      int node = PieceTrie.ROOT;
      for (int end = start + 1; end <= length; end++) {
        node = trie.child(node, text[end - 1] & 0xFF);
        if (node < 0) {
          break;
        }
        int id = trie.id(node);
        if (id < 0 || types[id] == PieceType.UNUSED) {
          continue;
        }
        int pieceLength = end - start;
        double score = types[id] == PieceType.USER_DEFINED
            ? (double) (pieceLength * maxScore) - 0.1 : scores[id];
        double candidate = score + sofar;
        if (startOf[end] == -1 || candidate > best[end]) {
          best[end] = (float) candidate;
          startOf[end] = start;
          idOf[end] = id;
        }
        if (pieceLength == charLength) {
          coversChar = true;
        }
      }
      if (!coversChar) {
        int end = start + charLength;
        float candidate = unknownScore + sofar;
        if (startOf[end] == -1 || candidate > best[end]) {
          best[end] = candidate;
          startOf[end] = start;
          idOf[end] = unkId;
        }
      }
      start += charLength;
    }
    int first = out.size;
    for (int end = length; end > 0; end = startOf[end]) {
      out.add(startOf[end], end, idOf[end]);
    }
    reverse(out, first);
  }

  private static void reverse(Segments out, int from) {
    for (int i = from, j = out.size - 1; i < j; i++, j--) {
      swap(out.starts, i, j);
      swap(out.ends, i, j);
      swap(out.ids, i, j);
    }
  }

  private static void swap(int[] a, int i, int j) {
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
