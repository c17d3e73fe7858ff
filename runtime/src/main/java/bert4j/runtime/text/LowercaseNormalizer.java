package bert4j.runtime.text;

import java.text.Normalizer;

/**
 * Lowercasing with accent stripping, one code point at a time: the lowercase form, decomposed (NFD), with
 * the non-spacing marks (Mn) removed, as bert4keras and Hugging Face do with {@code do_lower_case}.
 * Working per code point keeps each output character tied to the input character it came from (for
 * offsets). It matches Python's whole-string {@code lower()} because Python's only context-dependent
 * lowercase rule, the final sigma, is applied here from the surrounding text. Results for the Basic
 * Multilingual Plane are cached; the cache is shared and safe to fill from several threads (it holds
 * immutable strings).
 */
final class LowercaseNormalizer {
  /** Marks a cached code point whose normalized form is the code point itself. */
  private static final String SAME = new String("same");
  private static final String[] BMP = new String[0x10000];
  private static final int CAPITAL_SIGMA = 0x03A3;
  private static final String FINAL_SIGMA = "\u03C2";
  private static final String SIGMA = "\u03C3";

  private LowercaseNormalizer() {}

  /**
   * The normalized form of the code point {@code cp} found at {@code index} of {@code text}, or null if
   * it is the code point itself.
   */
  static String normalize(int cp, CharSequence text, int index) {
    if (cp == CAPITAL_SIGMA) {
      return isFinalSigma(text, index) ? FINAL_SIGMA : SIGMA;
    }
    if (cp < 0x10000) {
      String cached = BMP[cp];
      if (cached == null) {
        cached = compute(cp);
        BMP[cp] = cached;
      }
      return cached == SAME ? null : cached;
    }
    String computed = compute(cp);
    return computed == SAME ? null : computed;
  }

  private static String compute(int cp) {
    // U+0130 is the one code point whose full lowercase mapping (Python's lower()) differs from the
    // simple one: "i" followed by a combining dot, which accent stripping removes again.
    String lower = cp == 0x0130 ? "i\u0307" : Character.toString(Character.toLowerCase(cp));
    String decomposed = Normalizer.normalize(lower, Normalizer.Form.NFD);
    StringBuilder kept = new StringBuilder(decomposed.length());
    for (int i = 0; i < decomposed.length(); ) {
      int c = decomposed.codePointAt(i);
      if (Character.getType(c) != Character.NON_SPACING_MARK) {
        kept.appendCodePoint(c);
      }
      i += Character.charCount(c);
    }
    String result = kept.toString();
    return result.equals(Character.toString(cp)) ? SAME : result;
  }

  /**
   * Python's Final_Sigma condition: a cased letter before the sigma and none after it, skipping
   * case-ignorable characters on both sides.
   */
  private static boolean isFinalSigma(CharSequence text, int index) {
    int j = index;
    int before = -1;
    while (j > 0) {
      int c = Character.codePointBefore(text, j);
      j -= Character.charCount(c);
      if (!isCaseIgnorable(c)) {
        before = c;
        break;
      }
    }
    if (before < 0 || !isCased(before)) {
      return false;
    }
    j = index + 1;
    while (j < text.length()) {
      int c = Character.codePointAt(text, j);
      j += Character.charCount(c);
      if (!isCaseIgnorable(c)) {
        return !isCased(c);
      }
    }
    return true;
  }

  private static boolean isCased(int c) {
    return Character.isLowerCase(c) || Character.isUpperCase(c) || Character.isTitleCase(c);
  }

  private static boolean isCaseIgnorable(int c) {
    switch (Character.getType(c)) {
      case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT,
          Character.MODIFIER_LETTER, Character.MODIFIER_SYMBOL:
        return true;
      default:
        break;
    }
    // Word_Break MidLetter, MidNumLet and Single_Quote.
    return switch (c) {
      case 0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13,
          0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A -> true;
      default -> false;
    };
  }
}
