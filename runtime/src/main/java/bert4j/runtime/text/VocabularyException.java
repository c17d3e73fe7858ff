package bert4j.runtime.text;

import java.io.IOException;

/**
 * A vocabulary that cannot be used: the file is missing or unreadable, empty, not UTF-8, has an empty or
 * duplicate line, or lacks a token the tokenizer needs. The message names the source and the problem.
 */
public final class VocabularyException extends IOException {
  private static final long serialVersionUID = 1L;

  /** A problem with the vocabulary read from {@code source}. */
  public VocabularyException(String source, String problem) {
    super("vocabulary " + source + ": " + problem);
  }

  /** A problem with the vocabulary read from {@code source}, caused by {@code cause}. */
  public VocabularyException(String source, String problem, Throwable cause) {
    super("vocabulary " + source + ": " + problem, cause);
  }
}
