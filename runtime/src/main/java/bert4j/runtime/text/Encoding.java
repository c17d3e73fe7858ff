package bert4j.runtime.text;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

/**
 * One encoded text or text pair, ready for a model: {@code [CLS] first [SEP]} or
 * {@code [CLS] first [SEP] second [SEP]}. Token {@code i} has id {@code tokenIds[i]}, segment
 * {@code segmentIds[i]} (0 for the first text and its special tokens, 1 for the second text and its final
 * [SEP]), and came from characters {@code [starts[i], ends[i])} of its text (the first or the second,
 * as its segment says), or −1 and −1 for a special token. The arrays belong to the caller.
 *
 * <p>From {@link bert4j.runtime.text.sentencepiece.SentencePieceTokenizer#encode} it is one text's
 * pieces, without special tokens, all in segment 0; a piece that is one of several a character became
 * (byte fallback, a ligature) has an empty span at the character's start, the last of them the
 * character's span.
 */
public record Encoding(int[] tokenIds, int[] segmentIds, int[] starts, int[] ends) {
  public Encoding {
    if (tokenIds == null || segmentIds == null || starts == null || ends == null) {
      throw new IllegalArgumentException("an encoding needs token ids, segment ids, starts and ends");
    }
    int n = tokenIds.length;
    if (segmentIds.length != n || starts.length != n || ends.length != n) {
      throw new IllegalArgumentException("encoding arrays differ in length: " + n + " token ids, "
          + segmentIds.length + " segment ids, " + starts.length + " starts, " + ends.length + " ends");
    }
  }

  /** Number of tokens. */
  public int length() {
    return tokenIds.length;
  }

  /** Where token {@code i} came from in its text ({@link TokenSpan#NONE} for special tokens). */
  public TokenSpan span(int i) {
    if (i < 0 || i >= tokenIds.length) {
      throw new IllegalArgumentException("token " + i + " outside an encoding of " + tokenIds.length
          + " tokens");
    }
    return starts[i] < 0 ? TokenSpan.NONE : new TokenSpan(starts[i], ends[i]);
  }

  /** The span of every token, in order. */
  public List<TokenSpan> spans() {
    return new AbstractList<>() {
      @Override
      public TokenSpan get(int i) {
        return span(i);
      }

      @Override
      public int size() {
        return tokenIds.length;
      }
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Encoding e && Arrays.equals(tokenIds, e.tokenIds)
        && Arrays.equals(segmentIds, e.segmentIds) && Arrays.equals(starts, e.starts)
        && Arrays.equals(ends, e.ends);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(tokenIds) * 31 + Arrays.hashCode(segmentIds);
  }

  @Override
  public String toString() {
    return "Encoding[tokenIds=" + Arrays.toString(tokenIds) + ", segmentIds="
        + Arrays.toString(segmentIds) + "]";
  }
}
