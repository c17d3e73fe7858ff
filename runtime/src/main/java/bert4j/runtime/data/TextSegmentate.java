package bert4j.runtime.data;

import bert4j.runtime.text.CharClasses;
import java.util.ArrayList;
import java.util.List;

/**
 * bert4keras {@code text_segmentate}: cuts a long text into pieces of at most {@code maxLen} characters
 * at separators, trying the separators in order (for example first at line breaks, then at full stops,
 * then at commas) and cutting a piece further only while it is still too long. Separators stay at the
 * end of the piece they close. Pieces are stripped of whitespace and then of the characters of
 * {@code strips}. A piece with no separator left to cut at stays longer than {@code maxLen}. Lengths
 * count code points, as Python's {@code len}; whitespace is Python's.
 */
public final class TextSegmentate {
  private TextSegmentate() {}

  /** Segments at the separators in {@code seps}, in order, stripping only whitespace. */
  public static List<String> segment(String text, int maxLen, String seps) {
    return segment(text, maxLen, seps, null);
  }

  /**
   * Segments at the separators in {@code seps} (each one character), in order, and strips whitespace and
   * the characters of {@code strips} (null: whitespace only) from each piece.
   */
  public static List<String> segment(String text, int maxLen, String seps, String strips) {
    if (text == null || seps == null) {
      throw new IllegalArgumentException("text and separators must not be null");
    }
    text = strip(strip(text, null), strips);
    if (seps.isEmpty() || length(text) <= maxLen) {
      return List.of(text);
    }
    String sep = new String(Character.toChars(seps.codePointAt(0)));
    String rest = seps.substring(sep.length());
    List<String> pieces = split(text, sep);
    List<String> texts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (int i = 0; i < pieces.size(); i++) {
      String piece = pieces.get(i);
      if (current.length() > 0 && !piece.isEmpty()
          && length(current) + length(piece) > maxLen - 1) {
        texts.addAll(segment(current.toString(), maxLen, rest, strips));
        current.setLength(0);
      }
      current.append(piece);
      if (i + 1 < pieces.size()) {
        current.append(sep);
      }
    }
    if (current.length() > 0) {
      texts.addAll(segment(current.toString(), maxLen, rest, strips));
    }
    return texts;
  }

  /** Python's {@code str.split(sep)}: every piece, empty ones included. */
  private static List<String> split(String text, String sep) {
    List<String> pieces = new ArrayList<>();
    int start = 0;
    int at;
    while ((at = text.indexOf(sep, start)) >= 0) {
      pieces.add(text.substring(start, at));
      start = at + sep.length();
    }
    pieces.add(text.substring(start));
    return pieces;
  }

  /** Python's {@code str.strip(chars)}; {@code chars == null} strips whitespace. */
  private static String strip(String s, String chars) {
    int start = 0;
    int end = s.length();
    while (start < end && strips(s.codePointAt(start), chars)) {
      start += Character.charCount(s.codePointAt(start));
    }
    while (end > start && strips(s.codePointBefore(end), chars)) {
      end -= Character.charCount(s.codePointBefore(end));
    }
    return s.substring(start, end);
  }

  private static boolean strips(int cp, String chars) {
    return chars == null ? CharClasses.isPythonWhitespace(cp) : chars.indexOf(cp) >= 0;
  }

  private static int length(CharSequence s) {
    return Character.codePointCount(s, 0, s.length());
  }
}
