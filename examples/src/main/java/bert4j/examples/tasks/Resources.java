package bert4j.examples.tasks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** The data files shipped with the examples (src/main/resources/bert4j/examples), by name. */
final class Resources {
  private Resources() {}

  /** The resource {@code name}, unzipped when it ends in {@code .gz}. */
  static InputStream open(String name) throws IOException {
    InputStream in = Resources.class.getResourceAsStream("/bert4j/examples/" + name);
    if (in == null) {
      throw new IOException("missing resource bert4j/examples/" + name);
    }
    return name.endsWith(".gz") ? new GZIPInputStream(in) : in;
  }

  /** The file {@code path} (unzipped when it ends in {@code .gz}), or the resource when path is null. */
  static InputStream openPathOr(String path, String resource) throws IOException {
    if (path == null) {
      return open(resource);
    }
    InputStream in = Files.newInputStream(Path.of(path));
    return path.endsWith(".gz") ? new GZIPInputStream(in) : in;
  }
}
