package bert4j.runtime.io;

import bert4j.runtime.FloatTensor;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads tensors from a safetensors file as float32. {@link #open} reads and checks the whole header (every
 * problem is a {@link SafeTensorsFormatException} naming the file); {@link #read} then reads only the
 * bytes of the tensor asked for, in chunks, so a file much larger than the heap can be read tensor by
 * tensor. Reads are positional: several threads may read from one reader at once. Names are kept as the
 * file has them.
 */
public final class SafeTensorsReader implements TensorSource {
  /** Headers longer than this are refused before anything is allocated (the reference limit). */
  private static final long MAX_HEADER_BYTES = 100_000_000;
  private static final int CHUNK_BYTES = 1 << 20;
  private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;
  private static final int SUGGESTIONS = 5;

  private final Path file;
  private final FileChannel channel;
  private final long dataStart;
  private final SafeTensorsHeader header;

  private SafeTensorsReader(Path file, FileChannel channel, long dataStart, SafeTensorsHeader header) {
    this.file = file;
    this.channel = channel;
    this.dataStart = dataStart;
    this.header = header;
  }

  /** Opens {@code file} and checks its header; the caller closes the reader. */
  public static SafeTensorsReader open(Path file) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      long size = channel.size();
      if (size < 8) {
        throw new SafeTensorsFormatException(file, "file is " + size
            + " bytes long, too short for the 8-byte header length");
      }
      ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(file, channel, prefix, 0, "the header length");
      long headerBytes = prefix.getLong(0);
      if (Long.compareUnsigned(headerBytes, MAX_HEADER_BYTES) > 0) {
        throw new SafeTensorsFormatException(file, "header length " + Long.toUnsignedString(headerBytes)
            + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes (is this a safetensors file?)");
      }
      if (headerBytes > size - 8) {
        throw new SafeTensorsFormatException(file, "header length " + headerBytes + " is larger than the "
            + (size - 8) + " bytes that follow it");
      }
      ByteBuffer json = ByteBuffer.allocate((int) headerBytes);
      readFully(file, channel, json, 8, "the header");
      SafeTensorsHeader header = SafeTensorsHeader.parse(file, json.array(), size - 8 - headerBytes);
      return new SafeTensorsReader(file, channel, 8 + headerBytes, header);
    } catch (ClosedByInterruptException e) {
      throw interrupted(file, "opening it", e);
    } catch (Throwable t) {
      try {
        channel.close();
      } catch (IOException e) {
        t.addSuppressed(e);
      }
      throw t;
    }
  }

  @Override
  public Path path() {
    return file;
  }

  @Override
  public long[] shape(String name) throws IOException {
    return info(name).shape();
  }

  @Override
  public String typeName(String name) throws IOException {
    return info(name).dtype().toString();
  }

  @Override
  public boolean readsAsFloat(String name) throws IOException {
    return info(name).dtype().readableAsFloat();
  }

  @Override
  public IOException error(String problem) {
    return new SafeTensorsFormatException(file, problem);
  }

  /** The tensor names in the order of the header (for files this library or the reference wrote: data order). */
  @Override
  public List<String> names() {
    return List.copyOf(header.tensors().keySet());
  }

  /** The {@code __metadata__} strings, empty when the file has none. */
  @Override
  public Map<String, String> metadata() {
    return header.metadata();
  }

  /** Whether the file holds a tensor of this name. */
  @Override
  public boolean contains(String name) {
    return header.tensors().containsKey(name);
  }

  /** The header entry of a tensor; an unknown name fails with the closest names the file has. */
  public TensorInfo info(String name) throws SafeTensorsFormatException {
    TensorInfo info = header.tensors().get(name);
    if (info == null) {
      throw new SafeTensorsFormatException(file, missing(name));
    }
    return info;
  }

  /**
   * The tensor as float32, converted from F32, F16, BF16 (exactly) or F64 (rounded to nearest). Other
   * dtypes, unknown names and tensors too large for one Java array fail with a message naming the tensor.
   */
  @Override
  public FloatTensor read(String name) throws IOException {
    TensorInfo info = info(name);
    DType dtype = info.dtype();
    if (!dtype.readableAsFloat()) {
      throw new SafeTensorsFormatException(file, "tensor \"" + name + "\" has dtype " + dtype
          + ", which cannot be read as float32 (readable: F32, F16, BF16, F64)");
    }
    long[] dims = info.shape();
    long count = info.elementCount();
    if (count > MAX_ARRAY_LENGTH || Arrays.stream(dims).anyMatch(d -> d > Integer.MAX_VALUE)) {
      throw new SafeTensorsFormatException(file, "tensor \"" + name + "\" of shape " + Arrays.toString(dims)
          + " is too large for a float[]");
    }
    float[] data = new float[(int) count];
    int perChunk = CHUNK_BYTES / dtype.bytes();
    ByteBuffer chunk = ByteBuffer.allocateDirect((int) Math.min(info.byteSize(), CHUNK_BYTES))
        .order(ByteOrder.LITTLE_ENDIAN);
    for (int done = 0; done < count; ) {
      int n = (int) Math.min(count - done, perChunk);
      chunk.clear().limit(n * dtype.bytes());
      readFully(file, channel, chunk, dataStart + info.begin() + (long) done * dtype.bytes(),
          "tensor \"" + name + "\"");
      chunk.flip();
      decode(dtype, chunk, data, done, n);
      done += n;
    }
    return new FloatTensor(Arrays.stream(dims).mapToInt(d -> (int) d).toArray(), data);
  }

  /**
   * {@link #read(String)}, failing first unless the tensor's shape is {@code expectedShape}
   * ("tensor X has shape [a, b], expected [c, d]"). A scalar is expected with {@code new int[0]}.
   */
  public FloatTensor read(String name, int... expectedShape) throws IOException {
    long[] actual = info(name).shape();
    if (!Arrays.equals(actual, Arrays.stream(expectedShape).asLongStream().toArray())) {
      throw new SafeTensorsFormatException(file, "tensor \"" + name + "\" has shape " + Arrays.toString(actual)
          + ", expected " + Arrays.toString(expectedShape));
    }
    return read(name);
  }

  /** Closes the file; the names, infos and metadata stay readable. */
  @Override
  public void close() throws IOException {
    channel.close();
  }

  private String missing(String name) {
    Map<String, TensorInfo> tensors = header.tensors();
    if (tensors.isEmpty()) {
      return "no tensor \"" + name + "\": the file holds no tensors";
    }
    return "no tensor \"" + name + "\" among " + tensors.size() + "; closest: "
        + ClosestNames.closest(name, tensors.keySet(), SUGGESTIONS).stream()
            .map(n -> "\"" + n + "\"")
            .collect(Collectors.joining(", "));
  }

  private static void decode(DType dtype, ByteBuffer bytes, float[] out, int offset, int count) {
    switch (dtype) {
      case F32 -> bytes.asFloatBuffer().get(out, offset, count);
      case F64 -> {
        DoubleBuffer doubles = bytes.asDoubleBuffer();
        for (int i = 0; i < count; i++) {
          out[offset + i] = (float) doubles.get(i);
        }
      }
      case F16 -> {
        ShortBuffer halves = bytes.asShortBuffer();
        for (int i = 0; i < count; i++) {
          out[offset + i] = Float16.toFloat(halves.get(i));
        }
      }
      case BF16 -> {
        ShortBuffer halves = bytes.asShortBuffer();
        for (int i = 0; i < count; i++) {
          out[offset + i] = Float.intBitsToFloat((halves.get(i) & 0xffff) << 16);
        }
      }
      default -> throw new IllegalArgumentException("not a float dtype: " + dtype);
    }
  }

  /** The interrupt that closed the channel, as an {@link InterruptedIOException} naming the file. */
  private static InterruptedIOException interrupted(Path file, String doing, ClosedByInterruptException cause) {
    InterruptedIOException interrupted = new InterruptedIOException(file + ": the thread was interrupted while "
        + doing);
    interrupted.initCause(cause);
    return interrupted;
  }

  private static void readFully(Path file, FileChannel channel, ByteBuffer target, long position, String what)
      throws IOException {
    long at = position;
    while (target.hasRemaining()) {
      int n;
      try {
        n = channel.read(target, at);
      } catch (ClosedByInterruptException e) {
        throw interrupted(file, "reading " + what + "; the reader is closed", e);
      }
      if (n < 0) {
        throw new SafeTensorsFormatException(file, "file ended at byte " + at + " while reading " + what
            + " (was it truncated while open?)");
      }
      at += n;
    }
  }
}
