package bert4j.runtime.io.tf;

import bert4j.runtime.io.tf.SsTableReader.Entry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Damage that keeps every checksum right, so that the reader's own checks are what fails: index files
 * with rewritten entries, hand-made blocks and footers.
 */
final class IndexSurgery {
  private IndexSurgery() {}

  /** Rewrites the index at {@code index} with its entries (header first) passed through {@code change}. */
  static void rewrite(Path index, UnaryOperator<List<Entry>> change) throws IOException {
    List<Entry> entries;
    try (FileChannel channel = FileChannel.open(index, StandardOpenOption.READ)) {
      entries = SsTableReader.read(index, channel);
    }
    Files.write(index, SsTableWriter.write(change.apply(new ArrayList<>(entries))));
  }

  /** Rewrites the entry of tensor {@code name} with {@code change} applied to its info. */
  static void rewriteEntry(Path index, String name, UnaryOperator<TfTensorInfo> change) throws IOException {
    rewrite(index, entries -> entries.stream().map(e -> {
      if (!Arrays.equals(e.key(), name.getBytes(StandardCharsets.UTF_8))) {
        return e;
      }
      try {
        return new Entry(e.key(), BundleProtos.encodeEntry(change.apply(BundleProtos.decodeEntry(name, e.value()))));
      } catch (WireReader.Malformed malformed) {
        throw new IllegalStateException(malformed);
      }
    }).toList());
  }

  /** Block contents holding {@code entries}, each a restart point. */
  static byte[] block(List<Entry> entries) {
    WireWriter out = new WireWriter();
    List<Integer> restarts = new ArrayList<>();
    for (Entry e : entries) {
      restarts.add(out.toByteArray().length);
      out.varint(0).varint(e.key().length).varint(e.value().length).bytes(e.key()).bytes(e.value());
    }
    if (restarts.isEmpty()) {
      restarts.add(0);
    }
    restarts.forEach(out::fixed32);
    return out.fixed32(restarts.size()).toByteArray();
  }

  /** A whole table: one data block with {@code contents}, an empty metaindex block, its index block, footer. */
  static byte[] table(byte[] contents) {
    byte[] data = withTrailer(contents, SsTableReader.NO_COMPRESSION);
    byte[] metaindex = withTrailer(block(List.of()), SsTableReader.NO_COMPRESSION);
    byte[] indexContents = block(List.of(new Entry(new byte[] {(byte) 0xff}, handle(0, contents.length))));
    byte[] index = withTrailer(indexContents, SsTableReader.NO_COMPRESSION);
    return concat(data, metaindex, index, footer(
        new SsTableReader.BlockHandle(data.length, metaindex.length - SsTableReader.TRAILER_BYTES),
        new SsTableReader.BlockHandle(data.length + metaindex.length, indexContents.length)));
  }

  /** {@code table} with its footer replaced: {@code contents} appended as the new index block. */
  static byte[] withIndexBlock(byte[] table, byte[] contents, int type) throws WireReader.Malformed {
    int blocksEnd = table.length - SsTableReader.FOOTER_BYTES;
    WireReader oldFooter = new WireReader(table, blocksEnd, table.length);
    SsTableReader.BlockHandle metaindex = SsTableReader.BlockHandle.decode(oldFooter);
    byte[] block = withTrailer(contents, type);
    return concat(Arrays.copyOf(table, blocksEnd), block,
        footer(metaindex, new SsTableReader.BlockHandle(blocksEnd, contents.length)));
  }

  /** {@code table} with the footer's index handle replaced by {@code index}. */
  static byte[] withIndexHandle(byte[] table, SsTableReader.BlockHandle index) throws WireReader.Malformed {
    int blocksEnd = table.length - SsTableReader.FOOTER_BYTES;
    SsTableReader.BlockHandle metaindex = SsTableReader.BlockHandle.decode(new WireReader(table, blocksEnd,
        table.length));
    return concat(Arrays.copyOf(table, blocksEnd), footer(metaindex, index));
  }

  /** A block handle's encoding, the value of an index block entry. */
  static byte[] handle(long offset, long size) {
    WireWriter out = new WireWriter();
    new SsTableReader.BlockHandle(offset, size).encodeTo(out);
    return out.toByteArray();
  }

  static byte[] withTrailer(byte[] contents, int type) {
    byte[] withType = Arrays.copyOf(contents, contents.length + 1);
    withType[contents.length] = (byte) type;
    int crc = Crc32c.mask(Crc32c.of(withType, 0, withType.length));
    return concat(withType, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(crc).array());
  }

  private static byte[] footer(SsTableReader.BlockHandle metaindex, SsTableReader.BlockHandle index) {
    WireWriter handles = new WireWriter();
    metaindex.encodeTo(handles);
    index.encodeTo(handles);
    return concat(Arrays.copyOf(handles.toByteArray(), SsTableReader.HANDLES_BYTES),
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(SsTableReader.MAGIC).array());
  }

  static byte[] concat(byte[]... parts) {
    WireWriter out = new WireWriter();
    for (byte[] part : parts) {
      out.bytes(part);
    }
    return out.toByteArray();
  }
}
