package bert4j.runtime.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file is malformed, or does not hold what the caller asked of it (a missing tensor, a
 * shape other than the expected one, a dtype that cannot be read as float32). The message names the
 * file and the problem.
 */
public class SafeTensorsFormatException extends IOException {
  public SafeTensorsFormatException(Path file, String problem) {
    super(file + ": " + problem);
  }

  public SafeTensorsFormatException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
