package bert4j.runtime.io.tf;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.io.TemporaryFile;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLockInterruptionException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Writes float32 tensors (and int64 scalars such as {@code global_step}) as a TensorFlow V2 checkpoint with
 * one data shard, {@code <prefix>.index} and {@code <prefix>.data-00000-of-00001}, byte for byte as
 * TensorFlow's {@code BundleWriter} writes the same tensors added in name order: TensorFlow, bert4keras
 * ({@code tf.train.load_variable}) and {@link TfCheckpointReader} read it. Like TensorFlow, it writes both
 * files under temporary names in the target directory, forces them to disk, and renames the data file and
 * then the index over the targets, so a reader never sees an index without its data; on failure the
 * temporary files are deleted and existing targets are left as they were.
 */
public final class TfCheckpointWriter {
  private static final int BUFFER_BYTES = 1 << 20;

  /** One tensor to write: its name as UTF-8, dtype, shape, and how to put its values into bytes. */
  private record Pending(byte[] key, String name, TfDType dtype, long[] shape, FloatTensor floats, long scalar) {}

  private TfCheckpointWriter() {}

  /** Writes {@code tensors} as DT_FLOAT; see {@link #write(Path, Map, Map)}. */
  public static void write(Path prefix, Map<String, FloatTensor> tensors) throws IOException {
    write(prefix, tensors, Map.of());
  }

  /**
   * Writes {@code tensors} as DT_FLOAT and {@code int64Scalars} as DT_INT64 scalars, replacing a checkpoint
   * with this prefix (a file path without a suffix, e.g. {@code out/bert_model.ckpt}; missing directories
   * are created).
   *
   * @throws IllegalArgumentException if a name is empty (the header's key), starts with a NUL character
   *     (the keys of slices), or is in both maps
   * @throws NullPointerException if a name or a tensor is null
   * @throws InterruptedIOException if the thread is interrupted while writing (the targets are unchanged)
   */
  public static void write(Path prefix, Map<String, FloatTensor> tensors, Map<String, Long> int64Scalars)
      throws IOException {
    List<Pending> pending = sorted(tensors, int64Scalars);
    Path absolute = prefix.toAbsolutePath();
    Files.createDirectories(absolute.getParent());
    Path dataTarget = CheckpointPaths.data(absolute, 0, 1);
    Path indexTarget = CheckpointPaths.index(absolute);
    try (TemporaryFile data = TemporaryFile.create(dataTarget);
        TemporaryFile index = TemporaryFile.create(indexTarget)) {
      List<SsTableReader.Entry> entries = new ArrayList<>();
      entries.add(new SsTableReader.Entry(new byte[0], BundleProtos.encodeHeader(
          new TfBundleHeader(1, ByteOrder.LITTLE_ENDIAN, TfBundleHeader.VERSION, 0))));
      long offset = 0;
      ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (Pending tensor : pending) {
        TfTensorInfo info = writeData(data.channel(), buffer, tensor, offset);
        entries.add(new SsTableReader.Entry(tensor.key(), BundleProtos.encodeEntry(info)));
        offset += info.size();
      }
      flush(data.channel(), buffer);
      writeFully(index.channel(), ByteBuffer.wrap(SsTableWriter.write(entries)));
      data.channel().force(true);
      index.channel().force(true);
      data.moveTo(dataTarget);
      index.moveTo(indexTarget);
    } catch (ClosedByInterruptException | FileLockInterruptionException e) {
      InterruptedIOException interrupted = new InterruptedIOException(prefix
          + ": the thread was interrupted while saving the checkpoint; its files were left as they were");
      interrupted.initCause(e);
      throw interrupted;
    }
    syncDirectory(absolute.getParent());
    TemporaryFile.removeStale(dataTarget);
    TemporaryFile.removeStale(indexTarget);
  }

  /** The tensors in the order of their UTF-8 names, bytewise: the index's order and the data's. */
  private static List<Pending> sorted(Map<String, FloatTensor> tensors, Map<String, Long> int64Scalars) {
    TreeMap<byte[], Pending> byKey = new TreeMap<>(Arrays::compareUnsigned);
    tensors.forEach((name, tensor) -> {
      Objects.requireNonNull(tensor, () -> "tensor \"" + name + "\"");
      add(byKey, new Pending(key(name), name, TfDType.DT_FLOAT,
          Arrays.stream(tensor.shape()).asLongStream().toArray(), tensor, 0));
    });
    int64Scalars.forEach((name, value) -> {
      Objects.requireNonNull(value, () -> "scalar \"" + name + "\"");
      add(byKey, new Pending(key(name), name, TfDType.DT_INT64, new long[0], null, value));
    });
    return List.copyOf(byKey.values());
  }

  private static void add(TreeMap<byte[], Pending> byKey, Pending tensor) {
    if (byKey.putIfAbsent(tensor.key(), tensor) != null) {
      throw new IllegalArgumentException("tensor \"" + tensor.name() + "\" is given twice");
    }
  }

  private static byte[] key(String name) {
    Objects.requireNonNull(name, "tensor name");
    if (name.isEmpty() || name.charAt(0) == 0) {
      throw new IllegalArgumentException("a tensor name may not be empty nor start with NUL (those keys are the"
          + " header's and the slices'): \"" + name + "\"");
    }
    return name.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Appends the tensor's little-endian bytes to {@code buffer} (written out whenever it fills, so that small
   * tensors cost no system call each); returns its entry at {@code offset}, with their checksum.
   */
  private static TfTensorInfo writeData(FileChannel out, ByteBuffer buffer, Pending tensor, long offset)
      throws IOException {
    CRC32C crc = new CRC32C();
    long size;
    if (tensor.floats() == null) {
      if (buffer.remaining() < Long.BYTES) {
        flush(out, buffer);
      }
      int start = buffer.position();
      buffer.putLong(tensor.scalar());
      crc.update(buffer.array(), start, Long.BYTES);
      size = Long.BYTES;
    } else {
      float[] values = tensor.floats().data();
      for (int done = 0; done < values.length; ) {
        if (buffer.remaining() < Float.BYTES) {
          flush(out, buffer);
        }
        int n = Math.min(values.length - done, buffer.remaining() / Float.BYTES);
        int start = buffer.position();
        buffer.asFloatBuffer().put(values, done, n);
        buffer.position(start + n * Float.BYTES);
        crc.update(buffer.array(), start, n * Float.BYTES);
        done += n;
      }
      size = (long) values.length * Float.BYTES;
    }
    return new TfTensorInfo(tensor.name(), tensor.dtype(), tensor.shape(), 0, offset, size, (int) crc.getValue(), 0);
  }

  /** Writes out what {@code buffer} holds and empties it. */
  private static void flush(FileChannel out, ByteBuffer buffer) throws IOException {
    buffer.flip();
    writeFully(out, buffer);
    buffer.clear();
  }

  private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      out.write(bytes);
    }
  }

  /** Makes the renames durable where the platform can sync a directory (Linux, macOS; not Windows). */
  private static void syncDirectory(Path directory) {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // the files are complete and in place; only the renames' durability is up to the platform
    }
  }

  /** A file {@code <target>.tmp-<hex>} beside its target, deleted on close unless it was moved over it. */
}
