package bert4j.runtime.io.torch;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.io.DType;
import bert4j.runtime.io.TensorSource;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a PyTorch checkpoint ({@code pytorch_model.bin}) as {@code torch.save} writes it since 1.6: a zip
 * archive holding {@code <archive>/data.pkl}, a pickle of the state dict, and one entry
 * {@code <archive>/data/<key>} per storage. The pickle is interpreted by {@link PickleMachine} with the
 * allow-list of {@link TorchPickle}, so a file naming any other global (such as {@code os.system}) is
 * refused, naming it, and nothing in the file is ever run.
 *
 * <p>{@link #open} reads the pickle and checks every tensor against its storage entry (dtype, size,
 * offset and strides within bounds); {@link #read} then streams only the tensor's bytes. Every problem is
 * a {@link CheckpointFormatException} naming the file. The legacy format (before 1.6, not a zip) is
 * refused with how to convert it. Reads are independent: several threads may read from one reader.
 */
public final class TorchCheckpointReader implements TensorSource {
  /** A state dict's pickle is about 100 bytes per tensor; larger ones are refused before reading. */
  private static final long MAX_PICKLE_BYTES = 64L << 20;
  private static final int CHUNK_BYTES = 1 << 20;
  private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;
  private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
  /** PROTO 2, LONG1 of 10 bytes: the magic number 0x1950a86a20f9469cfc6c that legacy files start with. */
  private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 2, (byte) 0x8a, 10,
      0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};
  private static final int NAMED = 5;

  private final Path file;
  private final ZipFile zip;
  private final String archive;
  private final ByteOrder order;
  private final Map<String, TorchTensorInfo> tensors;

  private TorchCheckpointReader(Path file, ZipFile zip, String archive, ByteOrder order,
      Map<String, TorchTensorInfo> tensors) {
    this.file = file;
    this.zip = zip;
    this.archive = archive;
    this.order = order;
    this.tensors = tensors;
  }

  /** Opens {@code file}, reads its pickle and checks every tensor; the caller closes the reader. */
  public static TorchCheckpointReader open(Path file) throws IOException {
    checkMagic(file);
    ZipFile zip;
    try {
      zip = new ZipFile(file.toFile());
    } catch (ZipException e) {
      throw new CheckpointFormatException(file, "is not a readable zip archive (truncated or damaged?): "
          + e.getMessage(), e);
    }
    try {
      String archive = archiveName(file, zip);
      ByteOrder order = byteOrder(file, zip, archive);
      Object root = unpickle(file, zip, archive + "/data.pkl");
      Map<String, TorchTensorInfo> tensors = tensors(file, zip, archive, root);
      return new TorchCheckpointReader(file, zip, archive, order, tensors);
    } catch (Throwable t) {
      try {
        zip.close();
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
    return Elements.floating(info(name).dtype());
  }

  /** None: a PyTorch state dict has no string metadata. */
  @Override
  public Map<String, String> metadata() {
    return Map.of();
  }

  @Override
  public IOException error(String problem) {
    return new CheckpointFormatException(file, problem);
  }

  /** The tensor names in the order of the pickle (the order of the state dict). */
  @Override
  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  /** Whether the checkpoint holds a tensor of this name. */
  @Override
  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** The dtype, shape and place of a tensor; an unknown name fails, naming it. */
  public TorchTensorInfo info(String name) throws CheckpointFormatException {
    TorchTensorInfo info = tensors.get(name);
    if (info == null) {
      throw new CheckpointFormatException(file, "no tensor \"" + name + "\" among " + tensors.size()
          + (tensors.isEmpty() ? "" : " (" + String.join(", ", tensors.keySet().stream().limit(NAMED).toList())
              + (tensors.size() > NAMED ? ", ..." : "") + ")"));
    }
    return info;
  }

  /**
   * The tensor as float32, converted from float32, float16, bfloat16 (exactly) or float64 (rounded to
   * nearest), in row-major order whatever its strides. Integer dtypes fail, pointing to
   * {@link #readLongs}.
   */
  @Override
  public FloatTensor read(String name) throws IOException {
    TorchTensorInfo info = info(name);
    if (!Elements.floating(info.dtype())) {
      throw new CheckpointFormatException(file, "tensor \"" + name + "\" has dtype " + info.dtype()
          + ", which is not read as float32 (readable: F32, F16, BF16, F64); readLongs reads integers");
    }
    float[] data = new float[length(info)];
    elements(info, (chunk, first, count) -> Elements.toFloats(info.dtype(), chunk, data, first, count));
    return new FloatTensor(Arrays.stream(info.shape()).mapToInt(d -> (int) d).toArray(), data);
  }

  /**
   * The values of an integer or bool tensor (I64, I32, I16, I8, U8, BOOL as 0/1), in row-major order;
   * its shape is {@link #info}'s. Float dtypes fail, pointing to {@link #read}.
   */
  public long[] readLongs(String name) throws IOException {
    TorchTensorInfo info = info(name);
    if (!Elements.integral(info.dtype())) {
      throw new CheckpointFormatException(file, "tensor \"" + name + "\" has dtype " + info.dtype()
          + ", which readLongs does not read (readable: I64, I32, I16, I8, U8, BOOL); read reads floats");
    }
    long[] data = new long[length(info)];
    elements(info, (chunk, first, count) -> Elements.toLongs(info.dtype(), chunk, data, first, count));
    return data;
  }

  /** Closes the file; the names and infos stay readable. */
  @Override
  public void close() throws IOException {
    zip.close();
  }

  /** Refuses, with what it is, a file that is not a zip archive. */
  private static void checkMagic(Path file) throws IOException {
    byte[] start;
    try (InputStream in = Files.newInputStream(file)) {
      start = in.readNBytes(LEGACY_MAGIC.length);
    }
    if (startsWith(start, ZIP_MAGIC)) {
      return;
    }
    if (startsWith(start, LEGACY_MAGIC)) {
      throw new CheckpointFormatException(file, "is a legacy PyTorch file (not a zip), which bert4j does not "
          + "read; re-save it with torch.save(torch.load(path), path, _use_new_zipfile_serialization=True) "
          + "or convert it to safetensors");
    }
    String bytes = HexFormat.ofDelimiter(" ").formatHex(start, 0, Math.min(start.length, 8));
    String hint = start.length > 8 && start[8] == '{' ? " (it looks like a safetensors file)" : "";
    throw new CheckpointFormatException(file, "is neither a zip archive, as torch.save writes since PyTorch "
        + "1.6, nor a legacy PyTorch file: it starts with bytes " + bytes + hint);
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** The folder all of torch's entries are in: the one holding {@code data.pkl} (named after the file). */
  private static String archiveName(Path file, ZipFile zip) throws CheckpointFormatException {
    List<String> archives = zip.stream()
        .map(ZipEntry::getName)
        .filter(name -> name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length())
        .map(name -> name.substring(0, name.length() - "/data.pkl".length()))
        .toList();
    if (archives.size() != 1) {
      throw new CheckpointFormatException(file, archives.isEmpty()
          ? "the zip archive holds no <archive>/data.pkl, so torch.save did not write it (a TorchScript "
              + "archive or another zip?)"
          : "the zip archive holds " + archives.size() + " data.pkl entries (" + String.join(", ", archives)
              + "), torch.save writes one");
    }
    return archives.get(0);
  }

  /** The storages' byte order: the {@code byteorder} entry torch 2.1+ writes, else little-endian. */
  private static ByteOrder byteOrder(Path file, ZipFile zip, String archive) throws IOException {
    ZipEntry entry = zip.getEntry(archive + "/byteorder");
    if (entry == null) {
      return ByteOrder.LITTLE_ENDIAN;
    }
    String text;
    try (InputStream in = zip.getInputStream(entry)) {
      text = new String(in.readNBytes(16), StandardCharsets.US_ASCII).trim();
    }
    return switch (text) {
      case "little" -> ByteOrder.LITTLE_ENDIAN;
      case "big" -> ByteOrder.BIG_ENDIAN;
      default -> throw new CheckpointFormatException(file, archive + "/byteorder says \""
          + PickleMachine.printable(text) + "\", not little or big");
    };
  }

  private static Object unpickle(Path file, ZipFile zip, String name) throws IOException {
    ZipEntry entry = zip.getEntry(name);
    if (entry.getSize() > MAX_PICKLE_BYTES) {
      throw new CheckpointFormatException(file, name + " is " + entry.getSize() + " bytes, more than the "
          + MAX_PICKLE_BYTES + " a state dict's pickle needs");
    }
    byte[] pickle;
    try (InputStream in = zip.getInputStream(entry)) {
      pickle = in.readNBytes((int) MAX_PICKLE_BYTES + 1);
    } catch (ZipException e) {
      throw new CheckpointFormatException(file, name + " cannot be read: " + e.getMessage(), e);
    }
    if (pickle.length != entry.getSize()) {
      throw new CheckpointFormatException(file, name + " holds " + pickle.length + " bytes, its zip entry says "
          + entry.getSize());
    }
    try {
      return PickleMachine.run(pickle, new TorchPickle());
    } catch (PickleException e) {
      throw new CheckpointFormatException(file, name + ": " + e.getMessage());
    }
  }

  /** The state dict's tensors, each checked against its storage entry. */
  private static Map<String, TorchTensorInfo> tensors(Path file, ZipFile zip, String archive, Object root)
      throws IOException {
    if (!(root instanceof Map<?, ?> dict)) {
      throw new CheckpointFormatException(file, "the pickle holds a " + PickleMachine.kind(root)
          + ", not a state dict (a dict of name to tensor)");
    }
    long fileSize = Files.size(file);
    Map<String, TorchTensorInfo> tensors = new LinkedHashMap<>();
    for (Map.Entry<?, ?> item : dict.entrySet()) {
      if (!(item.getKey() instanceof String name) || !(item.getValue() instanceof TorchPickle.Tensor tensor)) {
        throw new CheckpointFormatException(file, "the state dict maps a " + PickleMachine.kind(item.getKey())
            + (item.getKey() instanceof String s ? " \"" + PickleMachine.printable(s) + "\"" : "")
            + " to a " + PickleMachine.kind(item.getValue()) + "; bert4j reads dicts of str to tensor");
      }
      TorchPickle.Storage storage = tensor.storage();
      String where = "tensor \"" + PickleMachine.printable(name) + "\"";
      String entryName = archive + "/data/" + storage.key();
      ZipEntry entry = zip.getEntry(entryName);
      if (entry == null) {
        throw new CheckpointFormatException(file, where + ": its storage " + PickleMachine.printable(entryName)
            + " is not in the zip archive");
      }
      long bytes = checkedProduct(file, where, storage.numel(), storage.dtype().bytes());
      if (entry.getMethod() == ZipEntry.STORED && entry.getSize() > fileSize) {
        throw new CheckpointFormatException(file, where + ": its storage " + entryName + " claims "
            + entry.getSize() + " bytes, more than the whole file (" + fileSize + ")");
      }
      if (entry.getSize() != bytes) {
        throw new CheckpointFormatException(file, where + ": its storage " + entryName + " holds "
            + entry.getSize() + " bytes, the pickle says " + storage.numel() + " elements of "
            + storage.dtype() + " (" + bytes + " bytes)");
      }
      TorchTensorInfo info = new TorchTensorInfo(name, storage.dtype(), tensor.shape(), tensor.stride(),
          tensor.offset(), storage.key());
      checkBounds(file, where, info, storage.numel());
      tensors.put(name, info);
    }
    return tensors;
  }

  /** Fails unless every element of the view lies inside its storage of {@code numel} elements. */
  private static void checkBounds(Path file, String where, TorchTensorInfo info, long numel)
      throws CheckpointFormatException {
    long[] shape = info.shape();
    long[] stride = info.stride();
    String layout = " of shape " + Arrays.toString(shape) + ", stride " + Arrays.toString(stride)
        + " from element " + info.storageOffset();
    if (shape.length != stride.length || info.storageOffset() < 0
        || Arrays.stream(shape).anyMatch(d -> d < 0) || Arrays.stream(stride).anyMatch(s -> s < 0)) {
      throw new CheckpointFormatException(file, where + layout + " is not a tensor layout torch writes");
    }
    long count = 1;
    long last = info.storageOffset();
    for (int d = 0; d < shape.length; d++) {
      count = checkedProduct(file, where, count, shape[d]);
      if (shape[d] > 0) {
        last = checkedSum(file, where, last, checkedProduct(file, where, shape[d] - 1, stride[d]));
      }
    }
    if (count > 0 && last >= numel) {
      throw new CheckpointFormatException(file, where + layout + " reaches element " + last
          + " of its storage " + info.storage() + ", which holds " + numel);
    }
  }

  private static long checkedProduct(Path file, String where, long a, long b) throws CheckpointFormatException {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      throw new CheckpointFormatException(file, where + ": " + a + " × " + b + " overflows 64 bits");
    }
  }

  private static long checkedSum(Path file, String where, long a, long b) throws CheckpointFormatException {
    try {
      return Math.addExact(a, b);
    } catch (ArithmeticException e) {
      throw new CheckpointFormatException(file, where + ": " + a + " + " + b + " overflows 64 bits");
    }
  }

  /** The element count as an array length, or a failure naming the tensor. */
  private int length(TorchTensorInfo info) throws CheckpointFormatException {
    long count = info.elementCount();
    if (count > MAX_ARRAY_LENGTH || Arrays.stream(info.shape()).anyMatch(d -> d > Integer.MAX_VALUE)) {
      throw new CheckpointFormatException(file, "tensor \"" + info.name() + "\" of shape "
          + Arrays.toString(info.shape()) + " is too large for one Java array");
    }
    return (int) count;
  }

  /** Receives a tensor's elements in row-major order, a chunk at a time. */
  private interface ElementSink {
    void accept(ByteBuffer chunk, int first, int count);
  }

  /**
   * Passes the tensor's elements, in row-major order, to {@code sink}: a contiguous tensor in chunks
   * straight from its storage entry, any other gathered from the storage range it spans.
   */
  private void elements(TorchTensorInfo info, ElementSink sink) throws IOException {
    int bytes = info.dtype().bytes();
    long count = info.elementCount();
    if (count == 0) {
      return;
    }
    long from = info.storageOffset() * bytes;
    if (info.contiguous()) {
      int[] done = {0};
      copy(info, from, count * bytes, chunk -> {
        int n = chunk.remaining() / bytes;
        sink.accept(chunk, done[0], n);
        done[0] += n;
      });
      return;
    }
    long[] shape = info.shape();
    long[] stride = info.stride();
    long span = 1;
    for (int d = 0; d < shape.length; d++) {
      span += (shape[d] - 1) * stride[d]; // within the storage: checked at open
    }
    if (span * bytes > MAX_ARRAY_LENGTH || count * bytes > MAX_ARRAY_LENGTH) {
      throw new CheckpointFormatException(file, "tensor \"" + info.name() + "\" is not contiguous and spans "
          + span * bytes + " bytes of its storage, too many to gather in one array");
    }
    ByteBuffer source = ByteBuffer.allocate((int) (span * bytes)).order(order);
    copy(info, from, span * bytes, source::put);
    ByteBuffer gathered = ByteBuffer.allocate((int) (count * bytes)).order(order);
    long[] index = new long[shape.length];
    long at = 0;
    for (int i = 0; i < count; i++) {
      gathered.put(i * bytes, source, (int) at * bytes, bytes);
      for (int d = shape.length - 1; d >= 0; d--) { // the next index in row-major order
        index[d]++;
        at += stride[d];
        if (index[d] < shape[d]) {
          break;
        }
        at -= stride[d] * shape[d];
        index[d] = 0;
      }
    }
    sink.accept(gathered, 0, (int) count);
  }

  /** Receives a read chunk of bytes. */
  private interface ByteSink {
    void accept(ByteBuffer chunk);
  }

  /**
   * Passes bytes {@code [from, from + length)} of the tensor's storage entry to {@code sink} in chunks of
   * whole elements; when that is the whole entry, checks its CRC-32 too.
   */
  private void copy(TorchTensorInfo info, long from, long length, ByteSink sink) throws IOException {
    ZipEntry entry = zip.getEntry(archive + "/data/" + info.storage());
    String what = "tensor \"" + info.name() + "\": its storage " + entry.getName();
    CRC32 crc = from == 0 && length == entry.getSize() && entry.getCrc() != -1 ? new CRC32() : null;
    byte[] buffer = new byte[(int) Math.min(length, CHUNK_BYTES)];
    try (InputStream in = zip.getInputStream(entry)) {
      in.skipNBytes(from);
      for (long done = 0; done < length; ) {
        int n = (int) Math.min(length - done, buffer.length);
        int read = in.readNBytes(buffer, 0, n);
        if (read < n) {
          throw new CheckpointFormatException(file, what + " ends after " + (from + done + read) + " of its "
              + entry.getSize() + " bytes (truncated?)");
        }
        if (crc != null) {
          crc.update(buffer, 0, n);
        }
        sink.accept(ByteBuffer.wrap(buffer, 0, n).order(order));
        done += n;
      }
    } catch (ZipException | EOFException e) {
      throw new CheckpointFormatException(file, what + " cannot be read: " + e.getMessage(), e);
    }
    if (crc != null && crc.getValue() != entry.getCrc()) {
      throw new CheckpointFormatException(file, what + String.format(
          " fails its CRC-32 check (the zip says %08x, the bytes give %08x): the file is corrupted",
          entry.getCrc(), crc.getValue()));
    }
  }
}
