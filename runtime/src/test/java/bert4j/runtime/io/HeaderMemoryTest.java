package bert4j.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parsing a header costs a small constant factor of its size: an 18 MB header of 300,000 empty tensors
 * opens in a 128 MB heap (about 3.8 bytes of heap per header byte; a JSON tree needed about 17, 300 MB).
 */
class HeaderMemoryTest {
  private static final int TENSORS = 300_000;

  @Test
  void aHeaderOfManyEmptyTensorsOpensInASmallHeap(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("many.safetensors");
    long headerBytes = writeEmptyTensors(file, TENSORS);
    assertTrue(headerBytes > 17_000_000, "header of " + headerBytes + " bytes");

    Process child = ChildJvm.start(List.of("-Xmx128m", "-XX:+UseSerialGC"), OpenHeader.class, file.toString());
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(child.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, child.exitValue(), output);
    assertEquals("opened " + TENSORS, output.strip());
  }

  /** A file of {@code count} empty F32 tensors and no data; returns the header's length. */
  private static long writeEmptyTensors(Path file, int count) throws IOException {
    StringBuilder json = new StringBuilder("{");
    for (int i = 0; i < count; i++) {
      json.append(i == 0 ? "" : ",").append(String.format("\"t%07d\"", i))
          .append(":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
    }
    byte[] header = json.append('}').toString().getBytes(StandardCharsets.US_ASCII);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      out.write(SafeTensorsBytes.le64(header.length));
      out.write(header);
    }
    return header.length;
  }
}
