package bert4j.runtime.io.tf;

import bert4j.runtime.io.tf.WireReader.Malformed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads every key and value of a checkpoint's {@code .index} file, a LevelDB table as TensorFlow writes it
 * (tensorflow/core/lib/io: table_builder.cc, block_builder.cc, format.cc): a 48-byte footer with the
 * handles of the metaindex and index blocks and the magic number; an index block whose values are the
 * handles of the data blocks; blocks of prefix-compressed keys with a restart array, each followed by a
 * type byte and the masked CRC32C of block and type. Every handle, length and count is checked against
 * the file before anything is allocated, every block's checksum is verified, and keys must increase
 * strictly (bytewise) through the table. Only uncompressed blocks are read: TensorFlow has written its
 * bundle indexes uncompressed since 1.2 (1.0 and 1.1 could Snappy-compress them).
 */
final class SsTableReader {
  static final int FOOTER_BYTES = 48;
  static final int HANDLES_BYTES = 40;
  static final long MAGIC = 0xdb4775248b80fb57L;
  static final int TRAILER_BYTES = 5;
  static final int NO_COMPRESSION = 0;
  static final int SNAPPY_COMPRESSION = 1;

  /** One key and its value, as the table holds them. */
  record Entry(byte[] key, byte[] value) {}

  /** Where a block lies: {@code size} bytes from {@code offset}, followed by the 5-byte trailer. */
  record BlockHandle(long offset, long size) {
    static BlockHandle decode(WireReader in) throws Malformed {
      return new BlockHandle(in.varint64(), in.varint64());
    }

    void encodeTo(WireWriter out) {
      out.varint(offset).varint(size);
    }
  }

  private final Path file;
  private final FileChannel channel;
  private final long blocksEnd;

  private SsTableReader(Path file, FileChannel channel, long blocksEnd) {
    this.file = file;
    this.channel = channel;
    this.blocksEnd = blocksEnd;
  }

  /** All entries of the table, in key order. */
  static List<Entry> read(Path file, FileChannel channel) throws IOException {
    long length = channel.size();
    if (length < FOOTER_BYTES) {
      throw new TfCheckpointFormatException(file, "the file is " + length + " bytes long, too short for the "
          + FOOTER_BYTES + "-byte table footer (is it a checkpoint's .index file?)");
    }
    byte[] footer = new byte[FOOTER_BYTES];
    ChannelReads.readFully(file, channel, ByteBuffer.wrap(footer), length - FOOTER_BYTES, "the table footer");
    long magic = ByteBuffer.wrap(footer, HANDLES_BYTES, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (magic != MAGIC) {
      throw new TfCheckpointFormatException(file, "the last 8 bytes are 0x" + Long.toHexString(magic)
          + ", not the table magic number 0x" + Long.toHexString(MAGIC) + ": not a TensorFlow V2 checkpoint"
          + " index (was the file truncated?)");
    }
    BlockHandle index;
    try {
      WireReader handles = new WireReader(footer, 0, HANDLES_BYTES);
      BlockHandle.decode(handles); // the metaindex block: TensorFlow's is empty, and nothing here needs it
      index = BlockHandle.decode(handles);
    } catch (Malformed e) {
      throw new TfCheckpointFormatException(file, "the table footer's block handles are malformed: "
          + e.getMessage(), e);
    }
    return new SsTableReader(file, channel, length - FOOTER_BYTES).entries(index);
  }

  private List<Entry> entries(BlockHandle indexHandle) throws IOException {
    List<Entry> entries = new ArrayList<>();
    for (Entry indexEntry : block(indexHandle, "the index block")) {
      BlockHandle data;
      try {
        WireReader value = new WireReader(indexEntry.value());
        data = BlockHandle.decode(value);
      } catch (Malformed e) {
        throw new TfCheckpointFormatException(file, "an index block entry's block handle is malformed: "
            + e.getMessage(), e);
      }
      for (Entry entry : block(data, "the data block at byte " + data.offset())) {
        if (!entries.isEmpty() && Arrays.compareUnsigned(entries.get(entries.size() - 1).key(), entry.key()) >= 0) {
          throw new TfCheckpointFormatException(file, "the table's keys are out of order at key \""
              + printable(entry.key()) + "\"");
        }
        entries.add(entry);
      }
    }
    return entries;
  }

  /** The entries of the block at {@code handle}, after checking its place, trailer and structure. */
  private List<Entry> block(BlockHandle handle, String what) throws IOException {
    long offset = handle.offset();
    long size = handle.size();
    if (offset < 0 || size < 0 || offset > blocksEnd || size > blocksEnd - offset - TRAILER_BYTES) {
      throw new TfCheckpointFormatException(file, "the block handle of " + what + " (offset "
          + Long.toUnsignedString(offset) + ", size " + Long.toUnsignedString(size) + ") points past the "
          + blocksEnd + " bytes before the footer");
    }
    byte[] bytes = new byte[(int) size + TRAILER_BYTES];
    ChannelReads.readFully(file, channel, ByteBuffer.wrap(bytes), offset, what);
    int n = (int) size;
    int stored = Crc32c.unmask(ByteBuffer.wrap(bytes, n + 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
    int actual = Crc32c.of(bytes, 0, n + 1);
    if (stored != actual) {
      throw new TfCheckpointFormatException(file, "the checksum of " + what + " (bytes [" + offset + ", "
          + (offset + n) + ")) does not match: stored " + hex(stored) + ", computed " + hex(actual)
          + " (the file is corrupt)");
    }
    int type = bytes[n] & 0xff;
    if (type == SNAPPY_COMPRESSION) {
      throw new TfCheckpointFormatException(file, what + " is Snappy-compressed, which this reader does not"
          + " decompress (TensorFlow 1.0 and 1.1 could write such indexes; load and save the checkpoint with a"
          + " newer TensorFlow to rewrite it uncompressed)");
    }
    if (type != NO_COMPRESSION) {
      throw new TfCheckpointFormatException(file, what + " has compression type " + type
          + ", which no TensorFlow writes (0 is none, 1 Snappy)");
    }
    try {
      return parseBlock(bytes, n);
    } catch (Malformed e) {
      throw new TfCheckpointFormatException(file, what + " is malformed: " + e.getMessage(), e);
    }
  }

  /** The entries of block contents {@code bytes[0, n)}: entries, restart offsets, restart count. */
  static List<Entry> parseBlock(byte[] bytes, int n) throws Malformed {
    if (n < 4) {
      throw new Malformed("it is " + n + " bytes long, too short for its restart count");
    }
    long restarts = Integer.toUnsignedLong(new WireReader(bytes, n - 4, n).fixed32());
    if (restarts < 1 || restarts > (n - 4) / 4) {
      throw new Malformed("its restart count " + restarts + " does not fit its " + n + " bytes");
    }
    int entriesEnd = n - 4 - 4 * (int) restarts;
    WireReader restartOffsets = new WireReader(bytes, entriesEnd, n - 4);
    long nextRestart = Integer.toUnsignedLong(restartOffsets.fixed32());
    if (nextRestart != 0) {
      throw new Malformed("its first restart point is " + nextRestart + ", not 0");
    }
    List<Entry> entries = new ArrayList<>();
    WireReader in = new WireReader(bytes, 0, entriesEnd);
    byte[] key = new byte[0];
    while (in.hasRemaining()) {
      int at = in.position();
      boolean restart = at == nextRestart;
      if (restart) {
        nextRestart = restartOffsets.hasRemaining() ? Integer.toUnsignedLong(restartOffsets.fixed32()) : -1;
        if (nextRestart != -1 && nextRestart <= at) {
          throw new Malformed("its restart points do not increase (" + nextRestart + " after " + at + ")");
        }
      } else if (nextRestart != -1 && nextRestart < at) {
        throw new Malformed("restart point " + nextRestart + " is not at the start of an entry");
      }
      int shared = in.length();
      int unshared = in.length();
      int valueLength = in.length();
      if (shared > key.length || (restart && shared != 0)) {
        throw new Malformed("the entry at byte " + at + " shares " + shared + " bytes with the previous key of "
            + key.length + (restart ? " at a restart point" : ""));
      }
      byte[] delta = in.bytes(unshared, "a key");
      byte[] next = Arrays.copyOf(key, shared + unshared);
      System.arraycopy(delta, 0, next, shared, unshared);
      key = next;
      entries.add(new Entry(key, in.bytes(valueLength, "a value")));
    }
    if (nextRestart != -1 && !(entries.isEmpty() && nextRestart == 0)) {
      throw new Malformed("restart point " + nextRestart + " is not at the start of an entry");
    }
    return entries;
  }

  /** A key for a message: as text where it is printable UTF-8, escaped bytes otherwise. */
  static String printable(byte[] key) {
    StringBuilder out = new StringBuilder();
    for (byte b : key) {
      if (b >= 0x20 && b < 0x7f && b != '\\') {
        out.append((char) b);
      } else {
        out.append(String.format("\\x%02x", b & 0xff));
      }
    }
    return out.toString();
  }

  private static String hex(int value) {
    return "0x" + HexFormat.of().toHexDigits(value);
  }
}
