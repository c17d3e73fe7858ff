package bert4j.runtime.io;

import bert4j.runtime.FloatTensor;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLockInterruptionException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes float32 tensors as a safetensors file, atomically: the bytes go to a {@link TemporaryFile} beside
 * the target ({@code <name>.tmp-<random>}), are forced to disk, and the temporary file is then renamed
 * over the target. On any failure the temporary file is deleted and an existing target is left as it
 * was; after a success, the temporary files of earlier saves to the same target that were killed before
 * they could clean up are deleted.
 */
public final class SafeTensorsWriter {
  private static final int CHUNK_BYTES = 1 << 20;

  private SafeTensorsWriter() {}

  /**
   * Writes {@code tensors} as F32, in the map's iteration order, with {@code metadata} as the header's
   * {@code __metadata__} (left out when empty), replacing {@code target} if it exists.
   *
   * @throws InterruptedIOException if the thread is interrupted while writing (the target is unchanged,
   *     the thread stays interrupted)
   * @throws IllegalArgumentException if a tensor is named {@code __metadata__}
   * @throws NullPointerException if a name, tensor, metadata key or value is null
   */
  public static void write(Path target, Map<String, FloatTensor> tensors, Map<String, String> metadata)
      throws IOException {
    try (TemporaryFile temporary = TemporaryFile.create(target)) {
      Map<String, FloatTensor> snapshot = new LinkedHashMap<>(tensors);
      writeHeader(temporary.channel(), layout(snapshot, metadata));
      writeData(temporary.channel(), snapshot);
      temporary.channel().force(true);
      temporary.moveTo(target);
    } catch (ClosedByInterruptException | FileLockInterruptionException e) {
      InterruptedIOException interrupted = new InterruptedIOException(target
          + ": the thread was interrupted while saving; the file was left as it was");
      interrupted.initCause(e);
      throw interrupted;
    }
    syncDirectory(target.toAbsolutePath().getParent());
    TemporaryFile.removeStale(target);
  }

  /** The header: each tensor's F32 byte range, one after another from offset 0. */
  private static SafeTensorsHeader layout(Map<String, FloatTensor> tensors, Map<String, String> metadata) {
    Map<String, TensorInfo> infos = new LinkedHashMap<>();
    long offset = 0;
    for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "tensor name");
      FloatTensor tensor = Objects.requireNonNull(e.getValue(), () -> "tensor \"" + name + "\"");
      if (name.equals(SafeTensorsHeader.METADATA_KEY)) {
        throw new IllegalArgumentException("a tensor may not be named " + SafeTensorsHeader.METADATA_KEY);
      }
      long[] shape = Arrays.stream(tensor.shape()).asLongStream().toArray();
      long end = offset + 4L * tensor.data().length;
      infos.put(name, new TensorInfo(name, DType.F32, shape, offset, end));
      offset = end;
    }
    metadata.forEach((k, v) -> {
      Objects.requireNonNull(k, "metadata key");
      Objects.requireNonNull(v, () -> "metadata value of \"" + k + "\"");
    });
    return new SafeTensorsHeader(infos, metadata);
  }

  private static void writeHeader(FileChannel out, SafeTensorsHeader header) throws IOException {
    byte[] json = header.encode();
    ByteBuffer bytes = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN);
    bytes.putLong(json.length).put(json).flip();
    writeFully(out, bytes);
  }

  private static void writeData(FileChannel out, Map<String, FloatTensor> tensors) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (FloatTensor tensor : tensors.values()) {
      float[] data = tensor.data();
      for (int done = 0; done < data.length; ) {
        int n = Math.min(data.length - done, CHUNK_BYTES / Float.BYTES);
        chunk.clear();
        chunk.asFloatBuffer().put(data, done, n);
        chunk.limit(n * Float.BYTES);
        writeFully(out, chunk);
        done += n;
      }
    }
  }

  private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      out.write(bytes);
    }
  }

  /** Makes the rename durable where the platform can sync a directory (Linux, macOS; not Windows). */
  private static void syncDirectory(Path directory) {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // The file itself is complete and in place; only the rename's durability is up to the platform.
    }
  }
}
