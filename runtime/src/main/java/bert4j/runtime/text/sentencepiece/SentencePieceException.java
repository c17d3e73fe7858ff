package bert4j.runtime.text.sentencepiece;

import java.io.IOException;

/**
 * A SentencePiece {@code .model} file that cannot be used: unreadable, truncated, not a
 * {@code ModelProto}, inconsistent (no unknown piece, a piece defined twice, byte pieces missing under
 * byte fallback, a broken normalization rule blob), or of a model type this tokenizer does not support.
 * The message names the source and the problem.
 */
public final class SentencePieceException extends IOException {
  private static final long serialVersionUID = 1L;

  /** A problem with the model read from {@code source}. */
  public SentencePieceException(String source, String problem) {
    super("SentencePiece model " + source + ": " + problem);
  }

  /** A problem with the model read from {@code source}, caused by {@code cause}. */
  public SentencePieceException(String source, String problem, Throwable cause) {
    super("SentencePiece model " + source + ": " + problem, cause);
  }
}
