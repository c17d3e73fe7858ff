package bert4j.runtime.text;

/**
 * The character classes of BERT's basic tokenizer, as bert4keras ({@code Tokenizer._is_*}) and Hugging
 * Face ({@code BasicTokenizer}) define them, on Unicode code points. Java's character database (Unicode
 * 13 on JDK 17) stands in for Python's {@code unicodedata}; the two agree except on code points assigned
 * in later Unicode versions.
 */
public final class CharClasses {
  /** Class of a code point the basic tokenizer appends to the current word. */
  static final byte WORD = 0;
  /** Class of a whitespace code point: ends the current word. */
  static final byte SPACE = 1;
  /** Class of a punctuation or CJK code point: a word of its own. */
  static final byte SPLIT = 2;
  /** Class of a code point the tokenizer drops: NUL, U+FFFD, control (Cc) and format (Cf) characters. */
  static final byte DROP = 3;

  private static final byte[] BMP = new byte[0x10000];

  static {
    for (int c = 0; c < BMP.length; c++) {
      BMP[c] = computeClass(c);
    }
  }

  private CharClasses() {}

  /**
   * Punctuation: every printable ASCII character that is not a letter or digit (code points 33–47,
   * 58–64, 91–96 and 123–126, so also symbols such as {@code $ + < = > ^ | ~} that Unicode does not call
   * punctuation) and every code point of a Unicode punctuation category (P*). Same in bert4keras and
   * Hugging Face.
   */
  public static boolean isPunctuation(int cp) {
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96)
        || (cp >= 123 && cp <= 126)) {
      return true;
    }
    return switch (Character.getType(cp)) {
      case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
          Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
          Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
      default -> false;
    };
  }

  /**
   * A CJK ideograph: the CJK Unified Ideographs block and its extensions A–E, and the two compatibility
   * ideograph blocks (the ranges of bert4keras {@code _is_cjk_character} and Hugging Face
   * {@code _is_chinese_char}). Kana, Hangul and CJK punctuation are not in it.
   */
  public static boolean isCjk(int cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF)
        || (cp >= 0x3400 && cp <= 0x4DBF)
        || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F)
        || (cp >= 0x2B740 && cp <= 0x2B81F)
        || (cp >= 0x2B820 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF)
        || (cp >= 0x2F800 && cp <= 0x2FA1F);
  }

  /**
   * Whitespace that separates words: space, tab, line feed, carriage return and the space separators
   * (Zs) as bert4keras {@code _is_space} has them, plus the line and paragraph separators (Zl, Zp) on
   * which both tokenizers' final Python {@code str.split()} also breaks words.
   */
  public static boolean isSpace(int cp) {
    if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR;
  }

  /**
   * A control (Cc) or format (Cf) character, as bert4keras {@code _is_control} has it. Hugging Face also
   * counts unassigned (Cn), private-use (Co) and surrogate (Cs) code points as control characters and
   * drops them; bert4keras keeps them (they become [UNK]) and so does bert4j.
   */
  public static boolean isControl(int cp) {
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.FORMAT;
  }

  /**
   * Python's {@code str.isspace()}: what Python's {@code strip()} and {@code split()} treat as whitespace
   * (wider than Java's {@link Character#isWhitespace}: it includes no-break spaces and U+0085).
   */
  public static boolean isPythonWhitespace(int cp) {
    if ((cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR;
  }

  /**
   * The basic tokenizer's class of a code point: {@link #WORD}, {@link #SPACE}, {@link #SPLIT} or
   * {@link #DROP}.
   */
  static byte classOf(int cp) {
    return cp < 0x10000 ? BMP[cp] : computeClass(cp);
  }

  private static byte computeClass(int cp) {
    // bert4keras checks in this order: punctuation or CJK, then space, then the characters it drops.
    if (isPunctuation(cp) || isCjk(cp)) {
      return SPLIT;
    }
    if (isSpace(cp)) {
      return SPACE;
    }
    if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
      return DROP;
    }
    return WORD;
  }
}
