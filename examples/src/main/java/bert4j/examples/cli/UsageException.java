package bert4j.examples.cli;

/** A command line that does not fit its command's usage: a missing argument, an unknown option. */
final class UsageException extends RuntimeException {
  UsageException(String message) {
    super(message);
  }
}
