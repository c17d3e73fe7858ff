package bert4j.runtime.io.tf;

import bert4j.runtime.io.tf.SsTableReader.BlockHandle;
import bert4j.runtime.io.tf.SsTableReader.Entry;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

/**
 * Builds a table as TensorFlow's {@code table::TableBuilder} does with the options its bundle writer uses:
 * no compression, 256 KiB data blocks, a restart point every 16 keys (every key in the index block), an
 * empty metaindex block, index keys shortened to a separator between blocks, and the footer. The same
 * entries give the same bytes as TensorFlow's writer.
 */
final class SsTableWriter {
  static final int BLOCK_SIZE = 262_144;
  static final int RESTART_INTERVAL = 16;

  private final ByteArrayOutputStream file = new ByteArrayOutputStream();
  private final BlockBuilder data = new BlockBuilder(RESTART_INTERVAL);
  private final BlockBuilder index = new BlockBuilder(1);
  private byte[] lastKey;
  private BlockHandle pendingHandle;

  private SsTableWriter() {}

  /** The table of {@code entries}, whose keys must increase strictly (bytewise). */
  static byte[] write(List<Entry> entries) {
    SsTableWriter table = new SsTableWriter();
    for (Entry entry : entries) {
      table.add(entry.key(), entry.value());
    }
    return table.finish();
  }

  private void add(byte[] key, byte[] value) {
    if (lastKey != null) {
      if (Arrays.compareUnsigned(lastKey, key) >= 0) {
        throw new IllegalArgumentException("keys must increase: \"" + SsTableReader.printable(key)
            + "\" after \"" + SsTableReader.printable(lastKey) + "\"");
      }
      if ((long) key.length + value.length >= 2L * BLOCK_SIZE) {
        flush();
      }
    }
    if (pendingHandle != null) {
      addIndexEntry(shortestSeparator(lastKey, key));
    }
    lastKey = key;
    data.add(key, value);
    if (data.sizeEstimate() >= BLOCK_SIZE) {
      flush();
    }
  }

  private byte[] finish() {
    flush();
    BlockHandle metaindex = writeBlock(new BlockBuilder(RESTART_INTERVAL));
    if (pendingHandle != null) {
      addIndexEntry(shortSuccessor(lastKey));
    }
    BlockHandle indexHandle = writeBlock(index);
    WireWriter footer = new WireWriter();
    metaindex.encodeTo(footer);
    indexHandle.encodeTo(footer);
    byte[] handles = Arrays.copyOf(footer.toByteArray(), SsTableReader.HANDLES_BYTES);
    file.writeBytes(handles);
    file.writeBytes(new WireWriter().fixed32((int) SsTableReader.MAGIC)
        .fixed32((int) (SsTableReader.MAGIC >>> 32)).toByteArray());
    return file.toByteArray();
  }

  private void flush() {
    if (!data.isEmpty()) {
      pendingHandle = writeBlock(data);
    }
  }

  private void addIndexEntry(byte[] separator) {
    WireWriter handle = new WireWriter();
    pendingHandle.encodeTo(handle);
    index.add(separator, handle.toByteArray());
    pendingHandle = null;
  }

  /** Appends the block and its trailer (type 0, masked CRC32C of block and type), and resets the builder. */
  private BlockHandle writeBlock(BlockBuilder block) {
    byte[] contents = block.finish();
    BlockHandle handle = new BlockHandle(file.size(), contents.length);
    byte[] withType = Arrays.copyOf(contents, contents.length + 1);
    withType[contents.length] = SsTableReader.NO_COMPRESSION;
    file.writeBytes(withType);
    file.writeBytes(new WireWriter().fixed32(Crc32c.mask(Crc32c.of(withType, 0, withType.length))).toByteArray());
    return handle;
  }

  /** A short key {@code >= start} and {@code < limit}: start with its first differing byte raised, if it can. */
  private static byte[] shortestSeparator(byte[] start, byte[] limit) {
    int common = Arrays.mismatch(start, limit);
    if (common < 0 || common >= Math.min(start.length, limit.length)) {
      return start; // one is a prefix of the other
    }
    int diff = start[common] & 0xff;
    if (diff < 0xff && diff + 1 < (limit[common] & 0xff)) {
      byte[] separator = Arrays.copyOf(start, common + 1);
      separator[common]++;
      return separator;
    }
    return start;
  }

  /** A short key {@code >= key}: up to its first byte below 0xff, raised. */
  private static byte[] shortSuccessor(byte[] key) {
    for (int i = 0; i < key.length; i++) {
      if ((key[i] & 0xff) != 0xff) {
        byte[] successor = Arrays.copyOf(key, i + 1);
        successor[i]++;
        return successor;
      }
    }
    return key;
  }

  /** One block's entries: keys sharing a prefix with the previous key, restart points, restart count. */
  private static final class BlockBuilder {
    private final int restartInterval;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private int[] restarts = {0};
    private int restartCount = 1;
    private int counter;
    private byte[] lastKey = new byte[0];

    BlockBuilder(int restartInterval) {
      this.restartInterval = restartInterval;
    }

    boolean isEmpty() {
      return buffer.size() == 0;
    }

    int sizeEstimate() {
      return buffer.size() + 4 * restartCount + 4;
    }

    void add(byte[] key, byte[] value) {
      int shared = 0;
      if (counter < restartInterval) {
        int common = Arrays.mismatch(lastKey, key);
        shared = common < 0 ? key.length : Math.min(common, Math.min(lastKey.length, key.length));
      } else {
        if (restartCount == restarts.length) {
          restarts = Arrays.copyOf(restarts, restartCount * 2);
        }
        restarts[restartCount++] = buffer.size();
        counter = 0;
      }
      buffer.writeBytes(new WireWriter().varint(shared).varint(key.length - shared).varint(value.length)
          .toByteArray());
      buffer.write(key, shared, key.length - shared);
      buffer.writeBytes(value);
      lastKey = key;
      counter++;
    }

    /** The block's bytes; the builder is then empty again. */
    byte[] finish() {
      WireWriter trailer = new WireWriter();
      for (int i = 0; i < restartCount; i++) {
        trailer.fixed32(restarts[i]);
      }
      trailer.fixed32(restartCount);
      buffer.writeBytes(trailer.toByteArray());
      byte[] bytes = buffer.toByteArray();
      buffer.reset();
      restarts = new int[] {0};
      restartCount = 1;
      counter = 0;
      lastKey = new byte[0];
      return bytes;
    }
  }
}
