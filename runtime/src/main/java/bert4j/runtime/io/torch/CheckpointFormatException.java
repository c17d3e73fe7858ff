package bert4j.runtime.io.torch;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A PyTorch checkpoint or a sharded checkpoint's index is malformed, refused (a pickle naming a global
 * outside the allow-list, the legacy format), or does not hold what the caller asked of it. The message
 * names the file and the problem.
 */
public class CheckpointFormatException extends IOException {
  public CheckpointFormatException(Path file, String problem) {
    super(file + ": " + problem);
  }

  public CheckpointFormatException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
