package bert4j.runtime.text;

/**
 * A vocabulary without the tokens Chinese text never needs, and the rows of the checkpoint's embedding to
 * keep for it: what bert4keras {@code load_vocab(..., simplified=True)} returns.
 */
public record SimplifiedVocabulary(Vocabulary vocabulary, KeepTokens keepTokens) {
  public SimplifiedVocabulary {
    if (vocabulary == null || keepTokens == null) {
      throw new IllegalArgumentException("a simplified vocabulary needs its vocabulary and keep tokens");
    }
    if (vocabulary.size() != keepTokens.size()) {
      throw new IllegalArgumentException("simplified vocabulary has " + vocabulary.size()
          + " tokens but " + keepTokens.size() + " keep tokens");
    }
  }
}
