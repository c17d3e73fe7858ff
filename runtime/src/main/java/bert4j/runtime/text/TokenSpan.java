package bert4j.runtime.text;

/**
 * Where a token came from: the characters {@code [start, end)} of the original text, in UTF-16 indices
 * (so {@code text.substring(start, end)} is the token's source text), or {@link #NONE} for a special
 * token such as [CLS] that comes from no text. Several tokens can share characters when one character
 * normalizes to several (a Hangul syllable decomposes into jamo when lowercasing).
 */
public record TokenSpan(int start, int end) {
  /** The span of a special token: no characters. */
  public static final TokenSpan NONE = new TokenSpan(-1, -1);

  public TokenSpan {
    if (!(start == -1 && end == -1) && (start < 0 || end < start)) {
      throw new IllegalArgumentException("span [" + start + ", " + end + ") is not a span of text");
    }
  }

  /** Whether this is {@link #NONE}. */
  public boolean isNone() {
    return start < 0;
  }

  /**
   * The characters of {@code text} this span covers ("" for {@link #NONE}).
   *
   * @throws IllegalArgumentException if {@code text} is null or shorter than the span: it is not the
   *     text the span came from
   */
  public String of(String text) {
    if (text == null) {
      throw new IllegalArgumentException("the text of span [" + start + ", " + end + ") is null");
    }
    if (end > text.length()) {
      throw new IllegalArgumentException("span [" + start + ", " + end + ") is outside a text of "
          + text.length() + " characters: not the text it came from");
    }
    return isNone() ? "" : text.substring(start, end);
  }
}
