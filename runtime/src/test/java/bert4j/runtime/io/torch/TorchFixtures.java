package bert4j.runtime.io.torch;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** The checkpoints make_fixtures.py wrote with torch.save, their values' formula, and hand-made zips. */
final class TorchFixtures {
  private TorchFixtures() {}

  /** A committed fixture, e.g. {@code "bert.bin"} or {@code "sharded/pytorch_model.bin.index.json"}. */
  static Path fixture(String name) {
    try {
      return Path.of(TorchFixtures.class.getResource("/bert4j/runtime/io/torch/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** make_fixtures.py's value of element {@code i} of the tensor made with {@code seed}. */
  static float value(int seed, int i) {
    return ((i * 7 + seed * 5) % 23 - 11) / 8f;
  }

  /** The first {@code count} values of {@code seed}. */
  static float[] values(int seed, int count) {
    return values(seed, 0, count);
  }

  /** Values {@code from} to {@code from + count - 1} of {@code seed}. */
  static float[] values(int seed, int from, int count) {
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = value(seed, from + i);
    }
    return values;
  }

  /** A zip of {@code entries} (name to bytes), stored uncompressed as torch.save stores them. */
  static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
    try (OutputStream stream = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(stream)) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        byte[] bytes = entry.getValue();
        ZipEntry zipEntry = new ZipEntry(entry.getKey());
        CRC32 crc = new CRC32();
        crc.update(bytes);
        zipEntry.setMethod(ZipEntry.STORED);
        zipEntry.setSize(bytes.length);
        zipEntry.setCrc(crc.getValue());
        zip.putNextEntry(zipEntry);
        zip.write(bytes);
        zip.closeEntry();
      }
    }
    return file;
  }
}
