package bert4j.runtime.io.tf;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A TensorFlow checkpoint is malformed (a bad index table, a lying block handle or size, a checksum that
 * does not match), or does not hold what the caller asked of it (a missing tensor, a dtype that cannot be
 * read as asked). The message names the file (the index or the data shard) and the problem.
 */
public class TfCheckpointFormatException extends IOException {
  public TfCheckpointFormatException(Path file, String problem) {
    super(file + ": " + problem);
  }

  public TfCheckpointFormatException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
