package bert4j.runtime.io.tf;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.io.Float16;
import bert4j.runtime.io.TensorSource;
import bert4j.runtime.io.tf.WireReader.Malformed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads a TensorFlow V2 checkpoint (a tensor bundle: {@code P.index} and {@code P.data-0000i-of-0000N}, as
 * {@code tf.train.Saver}, {@code tf.train.Checkpoint} and Google's BERT releases write them) without
 * TensorFlow. {@link #open} reads the whole index and checks every entry against its data shard (dtype
 * known, size matching the shape, bytes inside the file), so a truncated or lying checkpoint fails there
 * with a {@link TfCheckpointFormatException} naming the file; {@link #read} then reads one tensor, in
 * chunks, and verifies its CRC32C. Reads are positional: several threads may read from one reader at once.
 *
 * <p>Names are kept as the checkpoint has them ({@code bert/encoder/layer_0/attention/self/query/kernel},
 * kernels {@code [in, out]}). String tensors (a TF2 checkpoint's {@code _CHECKPOINTABLE_OBJECT_GRAPH}) are
 * listed with their dtype but hold no weights and are not read; partitioned variables are listed with
 * their full shape but not assembled; the entries of their slices are not listed.
 */
public final class TfCheckpointReader implements TensorSource {
  private static final int CHUNK_BYTES = 1 << 20;
  private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

  /** An open data file and its length when the checkpoint was opened. */
  private record Shard(Path file, FileChannel channel, long length) {}

  /** Turns {@code count} elements at the buffer's position into the caller's array from {@code at}. */
  private interface Decoder {
    void decode(ByteBuffer bytes, int at, int count);
  }

  private final Path prefix;
  private final TfBundleHeader header;
  private final Map<String, TfTensorInfo> tensors;
  private final Map<Integer, Shard> shards;

  private TfCheckpointReader(Path prefix, TfBundleHeader header, Map<String, TfTensorInfo> tensors,
      Map<Integer, Shard> shards) {
    this.prefix = prefix;
    this.header = header;
    this.tensors = tensors;
    this.shards = shards;
  }

  /**
   * Opens the checkpoint that {@code path} names: its prefix ({@code model.ckpt}), its {@code .index} or a
   * data file, or a directory (the checkpoint its {@code checkpoint} file names, or its only
   * {@code *.index}). The caller closes the reader.
   */
  public static TfCheckpointReader open(Path path) throws IOException {
    Path prefix = CheckpointPaths.prefixOf(path);
    Path index = CheckpointPaths.index(prefix);
    List<SsTableReader.Entry> entries;
    try (FileChannel channel = FileChannel.open(index, StandardOpenOption.READ)) {
      entries = SsTableReader.read(index, channel);
    } catch (ClosedByInterruptException e) {
      throw ChannelReads.interrupted(index, "opening it", e);
    }
    if (entries.isEmpty() || entries.get(0).key().length != 0) {
      throw new TfCheckpointFormatException(index, "the table has no header entry (the empty key): not a tensor"
          + " bundle (a V1 checkpoint?)");
    }
    TfBundleHeader header;
    try {
      header = BundleProtos.decodeHeader(entries.get(0).value());
    } catch (Malformed e) {
      throw new TfCheckpointFormatException(index, "the header entry is malformed: " + e.getMessage(), e);
    }
    if (header.versionMinConsumer() > TfBundleHeader.VERSION) {
      throw new TfCheckpointFormatException(index, "the bundle needs a reader of format version "
          + header.versionMinConsumer() + " or newer; this one reads version " + TfBundleHeader.VERSION);
    }
    Map<String, TfTensorInfo> tensors = new LinkedHashMap<>();
    Map<Integer, Shard> shards = new HashMap<>();
    try {
      for (SsTableReader.Entry entry : entries.subList(1, entries.size())) {
        if (entry.key()[0] == 0) {
          continue; // the entry of one slice of a partitioned variable (an OrderedCode key)
        }
        String name = name(index, entry.key());
        TfTensorInfo info;
        try {
          info = BundleProtos.decodeEntry(name, entry.value());
        } catch (Malformed e) {
          throw new TfCheckpointFormatException(index, "the entry of tensor \"" + name + "\" is malformed: "
              + e.getMessage(), e);
        }
        if (!info.partitioned()) {
          check(index, header, info, shards, prefix);
        }
        tensors.put(name, info);
      }
    } catch (Throwable t) {
      for (Shard shard : shards.values()) {
        try {
          shard.channel().close();
        } catch (IOException e) {
          t.addSuppressed(e);
        }
      }
      throw t;
    }
    return new TfCheckpointReader(prefix, header, tensors, shards);
  }

  /** The checkpoint's prefix: the index is {@code <prefix>.index}. */
  public Path prefix() {
    return prefix;
  }

  /** The prefix: what a message names. */
  @Override
  public Path path() {
    return prefix;
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
    return info(name).dtype().readableAsFloat() && !info(name).partitioned();
  }

  /** None: a bundle holds tensors only. */
  @Override
  public Map<String, String> metadata() {
    return Map.of();
  }

  @Override
  public IOException error(String problem) {
    return new TfCheckpointFormatException(CheckpointPaths.index(prefix), problem);
  }

  /** The bundle header: shard count, byte order, format version. */
  public TfBundleHeader header() {
    return header;
  }

  /** The tensor names in the index's (bytewise) order. */
  @Override
  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  /** Whether the checkpoint holds a tensor of this name. */
  @Override
  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** The index entry of a tensor; an unknown name fails naming how many there are and a few of them. */
  public TfTensorInfo info(String name) throws TfCheckpointFormatException {
    TfTensorInfo info = tensors.get(name);
    if (info == null) {
      throw new TfCheckpointFormatException(CheckpointPaths.index(prefix), "no tensor \"" + name + "\" among "
          + tensors.size() + (tensors.isEmpty() ? "" : ", e.g. " + tensors.keySet().stream().limit(5).toList()));
    }
    return info;
  }

  /**
   * The tensor as float32, converted from DT_FLOAT, DT_HALF, DT_BFLOAT16 (exactly) or DT_DOUBLE (rounded to
   * nearest), after checking its CRC32C. Other dtypes, partitioned variables, unknown names and tensors too
   * large for one Java array fail with a message naming the tensor.
   */
  @Override
  public FloatTensor read(String name) throws IOException {
    TfTensorInfo info = readable(name);
    TfDType dtype = info.dtype();
    if (!dtype.readableAsFloat()) {
      throw new TfCheckpointFormatException(CheckpointPaths.index(prefix), "tensor \"" + name + "\" has dtype "
          + dtype + ", which is not read as float32 (readable: DT_FLOAT, DT_HALF, DT_BFLOAT16, DT_DOUBLE"
          + (dtype.readableAsLong() ? "; read it with readLongs)" : ")"));
    }
    float[] data = new float[(int) info.elementCount()];
    readData(info, switch (dtype) {
      case DT_FLOAT -> (bytes, at, count) -> bytes.asFloatBuffer().get(data, at, count);
      case DT_DOUBLE -> (bytes, at, count) -> {
        for (int i = 0; i < count; i++) {
          data[at + i] = (float) bytes.getDouble(bytes.position() + 8 * i);
        }
      };
      case DT_HALF -> (bytes, at, count) -> {
        for (int i = 0; i < count; i++) {
          data[at + i] = Float16.toFloat(bytes.getShort(bytes.position() + 2 * i));
        }
      };
      default -> (bytes, at, count) -> { // DT_BFLOAT16: the high half of a float32
        for (int i = 0; i < count; i++) {
          data[at + i] = Float.intBitsToFloat((bytes.getShort(bytes.position() + 2 * i) & 0xffff) << 16);
        }
      };
    });
    return new FloatTensor(Arrays.stream(info.shape()).mapToInt(d -> (int) d).toArray(), data);
  }

  /**
   * {@link #read(String)}, failing first unless the tensor's shape is {@code expectedShape}. A scalar is
   * expected with {@code new int[0]}.
   */
  public FloatTensor read(String name, int... expectedShape) throws IOException {
    long[] actual = info(name).shape();
    if (!Arrays.equals(actual, Arrays.stream(expectedShape).asLongStream().toArray())) {
      throw new TfCheckpointFormatException(CheckpointPaths.index(prefix), "tensor \"" + name + "\" has shape "
          + Arrays.toString(actual) + ", expected " + Arrays.toString(expectedShape));
    }
    return read(name);
  }

  /**
   * An integer tensor's values (DT_INT8, DT_INT16, DT_INT32, DT_INT64, DT_UINT8, DT_UINT16, DT_UINT32) in
   * row-major order, after checking its CRC32C; {@code global_step} is a DT_INT64 scalar.
   */
  public long[] readLongs(String name) throws IOException {
    TfTensorInfo info = readable(name);
    TfDType dtype = info.dtype();
    if (!dtype.readableAsLong()) {
      throw new TfCheckpointFormatException(CheckpointPaths.index(prefix), "tensor \"" + name + "\" has dtype "
          + dtype + ", which is not read as integers (readable: DT_INT8, DT_INT16, DT_INT32, DT_INT64,"
          + " DT_UINT8, DT_UINT16, DT_UINT32" + (dtype.readableAsFloat() ? "; read it with read)" : ")"));
    }
    long[] data = new long[(int) info.elementCount()];
    readData(info, (bytes, at, count) -> {
      int base = bytes.position();
      for (int i = 0; i < count; i++) {
        data[at + i] = switch (dtype) {
          case DT_INT8 -> bytes.get(base + i);
          case DT_UINT8 -> bytes.get(base + i) & 0xff;
          case DT_INT16 -> bytes.getShort(base + 2 * i);
          case DT_UINT16 -> bytes.getShort(base + 2 * i) & 0xffff;
          case DT_INT32 -> bytes.getInt(base + 4 * i);
          case DT_UINT32 -> Integer.toUnsignedLong(bytes.getInt(base + 4 * i));
          default -> bytes.getLong(base + 8 * i); // DT_INT64
        };
      }
    });
    return data;
  }

  /** Closes the data files; names, infos and the header stay readable. */
  @Override
  public void close() throws IOException {
    IOException failure = null;
    for (Shard shard : shards.values()) {
      try {
        shard.channel().close();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** The entry of a tensor whose values can be read into one Java array, or why not. */
  private TfTensorInfo readable(String name) throws TfCheckpointFormatException {
    TfTensorInfo info = info(name);
    Path index = CheckpointPaths.index(prefix);
    if (info.partitioned()) {
      throw new TfCheckpointFormatException(index, "tensor \"" + name + "\" is a partitioned variable saved in "
          + info.slices() + " slices, which this reader does not assemble");
    }
    if (!info.dtype().fixedSize()) {
      throw new TfCheckpointFormatException(index, "tensor \"" + name + "\" has dtype " + info.dtype()
          + ", which holds no weights (a TF2 checkpoint keeps its object graph in such a tensor); it is not read");
    }
    long[] shape = info.shape();
    if (info.elementCount() > MAX_ARRAY_LENGTH || Arrays.stream(shape).anyMatch(d -> d > Integer.MAX_VALUE)) {
      throw new TfCheckpointFormatException(index, "tensor \"" + name + "\" of shape " + Arrays.toString(shape)
          + " is too large for one Java array");
    }
    return info;
  }

  /** Reads the tensor's bytes in chunks of whole elements into {@code decoder}, then checks the CRC32C. */
  private void readData(TfTensorInfo info, Decoder decoder) throws IOException {
    Shard shard = shards.get(info.shardId());
    int elementBytes = info.dtype().bytes();
    long count = info.elementCount();
    int perChunk = CHUNK_BYTES / elementBytes;
    ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(info.size(), CHUNK_BYTES)).order(header.byteOrder());
    CRC32C crc = new CRC32C();
    for (int done = 0; done < count; ) {
      int n = (int) Math.min(count - done, perChunk);
      chunk.clear().limit(n * elementBytes);
      ChannelReads.readFully(shard.file(), shard.channel(), chunk, info.offset() + (long) done * elementBytes,
          "tensor \"" + info.name() + "\"");
      chunk.flip();
      crc.update(chunk.array(), 0, chunk.limit());
      decoder.decode(chunk, done, n);
      done += n;
    }
    int actual = (int) crc.getValue();
    if (actual != info.crc32c()) {
      throw new TfCheckpointFormatException(shard.file(), "tensor \"" + info.name() + "\": the CRC32C of its "
          + info.size() + " bytes [" + info.offset() + ", " + (info.offset() + info.size()) + ") is "
          + hex(actual) + ", the index says " + hex(info.crc32c()) + " (the data file is corrupt)");
    }
  }

  /** Checks that an entry's shard, size and byte range agree with its dtype, shape and data file. */
  private static void check(Path index, TfBundleHeader header, TfTensorInfo info, Map<Integer, Shard> shards,
      Path prefix) throws IOException {
    String tensor = "tensor \"" + info.name() + "\"";
    if (info.shardId() >= header.numShards()) {
      throw new TfCheckpointFormatException(index, tensor + " is in shard " + info.shardId() + " of "
          + header.numShards());
    }
    long count = info.elementCount();
    TfDType dtype = info.dtype();
    if (count < 0 || (dtype.fixedSize() && count > Long.MAX_VALUE / dtype.bytes())) {
      throw new TfCheckpointFormatException(index, tensor + " has shape " + Arrays.toString(info.shape())
          + ", too many elements for any file");
    }
    if (dtype.fixedSize() && info.size() != count * dtype.bytes()) {
      throw new TfCheckpointFormatException(index, tensor + " of dtype " + dtype + " and shape "
          + Arrays.toString(info.shape()) + " needs " + count * dtype.bytes() + " bytes; its entry says "
          + info.size());
    }
    Shard shard = shards.get(info.shardId());
    if (shard == null) {
      Path file = CheckpointPaths.data(prefix, info.shardId(), header.numShards());
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
      try {
        shard = new Shard(file, channel, channel.size());
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      shards.put(info.shardId(), shard);
    }
    if (info.offset() > shard.length() || info.size() > shard.length() - info.offset()) {
      throw new TfCheckpointFormatException(shard.file(), tensor + " is said to lie in bytes [" + info.offset()
          + ", " + (info.offset() + info.size()) + "), past the end of this " + shard.length()
          + "-byte file (was it truncated?)");
    }
  }

  private static String name(Path index, byte[] key) throws TfCheckpointFormatException {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(key)).toString();
    } catch (CharacterCodingException e) {
      throw new TfCheckpointFormatException(index, "the key \"" + SsTableReader.printable(key)
          + "\" is not UTF-8", e);
    }
  }

  private static String hex(int value) {
    return "0x" + HexFormat.of().toHexDigits(value);
  }
}
