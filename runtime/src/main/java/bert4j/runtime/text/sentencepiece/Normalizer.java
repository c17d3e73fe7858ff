package bert4j.runtime.text.sentencepiece;

/**
 * SentencePiece's normalizer: replaces each prefix of the text by the longest matching rule of the
 * model's compiled rules (user-defined pieces are kept as they are, bytes that start no valid UTF-8
 * character become U+FFFD), then handles whitespace as the model says: drops leading, trailing and
 * repeated spaces ({@code remove_extra_whitespaces}), writes spaces as {@code ▁} (U+2581,
 * {@code escape_whitespaces}) and puts one before the text ({@code add_dummy_prefix}; after it when
 * the model treats whitespace as a suffix). Keeps, for each output byte, the input offset it came from.
 */
final class Normalizer {
  /** U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space. */
  static final byte[] SPACE_SYMBOL = {(byte) 0xE2, (byte) 0x96, (byte) 0x81};
  private static final byte[] SPACE = {' '};

  private final CharsMap charsMap;
  private final PieceTrie userDefined;
  private final boolean addDummyPrefix;
  private final boolean removeExtraWhitespaces;
  private final boolean escapeWhitespaces;
  private final boolean whitespaceAsSuffix;

  /**
   * A normalizer for {@code spec}; {@code userDefined} (may be null) are the pieces left as they are.
   */
  Normalizer(NormalizerSpec spec, boolean whitespaceAsSuffix, PieceTrie userDefined, String source)
      throws SentencePieceException {
    byte[] rules = spec.precompiledCharsmap();
    this.charsMap = rules.length == 0 ? null : CharsMap.read(rules, source);
    this.userDefined = userDefined;
    this.addDummyPrefix = spec.addDummyPrefix();
    this.removeExtraWhitespaces = spec.removeExtraWhitespaces();
    this.escapeWhitespaces = spec.escapeWhitespaces();
    this.whitespaceAsSuffix = whitespaceAsSuffix;
  }

  /** The normalized form of {@code input[0, n)}. */
  Normalized normalize(byte[] input, int n) {
    Normalized out = new Normalized(n * 3 + 3);
    Prefix prefix = new Prefix();
    int consumed = 0;
    if (removeExtraWhitespaces) {
      while (consumed < n) {
        prefix(input, consumed, n, prefix);
        if (!prefix.isSingleSpace()) {
          break;
        }
        consumed += prefix.consumed;
      }
    }
    if (consumed == n) {
      out.toInput[0] = consumed;
      return out;
    }
    if (!whitespaceAsSuffix && addDummyPrefix) {
      appendSpace(out, consumed);
    }
    boolean previousIsSpace = removeExtraWhitespaces;
    while (consumed < n) {
      prefix(input, consumed, n, prefix);
      int from = prefix.offset;
      int end = prefix.offset + prefix.length;
      byte[] source = prefix.source;
      while (previousIsSpace && from < end && source[from] == ' ') {
        from++;
      }
      if (from < end) {
        for (int i = from; i < end; i++) {
          if (escapeWhitespaces && source[i] == ' ') {
            out.append(SPACE_SYMBOL, 0, SPACE_SYMBOL.length, consumed);
          } else {
            out.append(source[i], consumed);
          }
        }
        previousIsSpace = source[end - 1] == ' ';
      }
      consumed += prefix.consumed;
      if (!removeExtraWhitespaces) {
        previousIsSpace = false;
      }
    }
    if (removeExtraWhitespaces) {
      byte[] space = escapeWhitespaces ? SPACE_SYMBOL : SPACE;
      while (out.endsWith(space)) {
        out.length -= space.length;
        consumed = out.toInput[out.length];
      }
    }
    if (whitespaceAsSuffix && addDummyPrefix) {
      appendSpace(out, consumed);
    }
    out.toInput[out.length] = consumed;
    return out;
  }

  private void appendSpace(Normalized out, int inputOffset) {
    if (escapeWhitespaces) {
      out.append(SPACE_SYMBOL, 0, SPACE_SYMBOL.length, inputOffset);
    } else {
      out.append((byte) ' ', inputOffset);
    }
  }

  /** SentencePiece's {@code NormalizePrefix}: what the start of {@code input[from, n)} becomes. */
  private void prefix(byte[] input, int from, int n, Prefix prefix) {
    int user = userDefined == null ? 0 : userDefined.longestMatch(input, from, n);
    if (user > 0) {
      prefix.set(input, from, user, user);
    } else if (charsMap == null || !charsMap.longestMatch(input, from, n, prefix)) {
      int length = Utf8.validCharLength(input, from, n);
      if (length == 0) {
        prefix.set(Utf8.REPLACEMENT, 0, Utf8.REPLACEMENT.length, 1);
      } else {
        prefix.set(input, from, length, length);
      }
    }
  }
}
