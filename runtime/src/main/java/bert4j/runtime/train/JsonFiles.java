package bert4j.runtime.train;

import bert4j.runtime.io.TemporaryFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The small JSON files of a checkpoint (the trainer's position, the callbacks' state): written
 * atomically (a locked temporary file forced to disk, then renamed over the target) and read back
 * with errors that name the file.
 */
final class JsonFiles {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT);

  private JsonFiles() {}

  static void write(Path file, Object value) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(JSON.writeValueAsBytes(value));
    try (TemporaryFile temporary = TemporaryFile.create(file)) {
      while (bytes.hasRemaining()) {
        temporary.channel().write(bytes);
      }
      temporary.channel().force(true);
      temporary.moveTo(file);
    }
  }

  static <T> T read(Path file, Class<T> type) throws IOException {
    try {
      return JSON.readValue(file.toFile(), type);
    } catch (IOException e) {
      throw new IOException(file + ": not a readable " + type.getSimpleName() + " ("
          + e.getMessage() + ")", e);
    }
  }
}
