package bert4j.examples;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Something a command line was given is wrong (a missing or malformed file, a bad value, an unknown
 * spec), as opposed to a bug: the message names the file or value and says what is wrong, so the command
 * prints it as it is and exits with its input-error status.
 */
public final class InputException extends Exception {
  private static final long serialVersionUID = 1L;

  /** A problem the message describes, naming the file or value at fault. */
  public InputException(String message) {
    super(message);
  }

  /**
   * {@code file} (the {@code role} it plays, such as "weights") failed with {@code e}, told in words:
   * "weights w.safetensors: no such file or directory", or the exception's message where it names the
   * file itself.
   */
  public static InputException of(String role, Path file, IOException e) {
    String reason = reason(e);
    return new InputException(reason.contains(file.toString()) ? role + " " + reason
        : role + " " + file + ": " + reason);
  }

  private static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
