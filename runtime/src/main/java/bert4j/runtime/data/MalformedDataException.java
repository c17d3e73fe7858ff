package bert4j.runtime.data;

/**
 * A data set line that does not hold what was expected. The message reads
 * {@code source:line: problem}, for example
 * {@code train.jsonl:12: field "label" is a string, expected an integer}.
 */
public final class MalformedDataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final long line;

  /** A problem on {@code line} (1-based) of {@code source}. */
  public MalformedDataException(String source, long line, String problem) {
    super(source + ":" + line + ": " + problem);
    this.source = source;
    this.line = line;
  }

  /** A problem on {@code line} of {@code source}, caused by {@code cause}. */
  public MalformedDataException(String source, long line, String problem, Throwable cause) {
    super(source + ":" + line + ": " + problem, cause);
    this.source = source;
    this.line = line;
  }

  /** The file or stream name. */
  public String source() {
    return source;
  }

  /** The 1-based line number. */
  public long line() {
    return line;
  }
}
