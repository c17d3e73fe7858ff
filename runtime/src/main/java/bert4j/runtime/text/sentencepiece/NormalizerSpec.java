package bert4j.runtime.text.sentencepiece;

/**
 * How a model normalizes text ({@code NormalizerSpec}): the rule set's name (for messages), its
 * compiled form (empty: no character mapping), and the whitespace options.
 */
record NormalizerSpec(String name, byte[] precompiledCharsmap, boolean addDummyPrefix,
    boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
  /** The spec of a model whose file has none: no mapping, the protobuf's default options. */
  static final NormalizerSpec DEFAULT = new NormalizerSpec("", new byte[0], true, true, true);
}
