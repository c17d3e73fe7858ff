package bert4j.runtime.io.tf;

import static bert4j.runtime.io.tf.IndexSurgery.block;
import static bert4j.runtime.io.tf.IndexSurgery.handle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.io.tf.SsTableReader.BlockHandle;
import bert4j.runtime.io.tf.SsTableReader.Entry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Copies of TensorFlow's BERT fixture, damaged: a flipped byte, truncations, lying handles, sizes and
 * offsets. Each fails with a {@link TfCheckpointFormatException} that names the file and the problem (and
 * the tensor, where there is one), without allocating what a lying number asks for.
 */
class TfCorruptionTest {
  private static final String KERNEL = "bert/encoder/layer_1/output/dense/kernel";

  @TempDir Path dir;
  private Path prefix;
  private Path index;
  private Path data;

  @BeforeEach
  void copyFixture() {
    prefix = TinyCheckpoints.copy("bert", dir).resolve("bert_model.ckpt");
    index = Path.of(prefix + ".index");
    data = Path.of(prefix + ".data-00000-of-00001");
  }

  private TfCheckpointFormatException openFails(Path file, String expected) {
    TfCheckpointFormatException e = assertThrows(TfCheckpointFormatException.class,
        () -> TfCheckpointReader.open(prefix).close());
    assertMessage(e, file, expected);
    return e;
  }

  private static void assertMessage(Exception e, Path file, String expected) {
    assertTrue(e.getMessage().startsWith(file + ": "), "names the file " + file + ": " + e.getMessage());
    assertTrue(e.getMessage().contains(expected), "expected \"" + expected + "\" in: " + e.getMessage());
  }

  @Test
  void aFlippedDataByteFailsTheTensorsChecksumAndOnlyItsOwn() throws IOException {
    long offset;
    try (TfCheckpointReader reader = TfCheckpointReader.open(prefix)) {
      offset = reader.info(KERNEL).offset();
    }
    flip(data, offset + 5);
    try (TfCheckpointReader reader = TfCheckpointReader.open(prefix)) {
      TfCheckpointFormatException e = assertThrows(TfCheckpointFormatException.class, () -> reader.read(KERNEL));
      assertMessage(e, data, "tensor \"" + KERNEL + "\": the CRC32C of its 512 bytes [" + offset + ", "
          + (offset + 512) + ") is ");
      assertTrue(e.getMessage().endsWith("(the data file is corrupt)"), e.getMessage());
      assertEquals(8, reader.read("bert/encoder/layer_1/output/dense/bias").data().length);
    }
  }

  @Test
  void aFlippedIndexByteFailsTheBlockChecksum() throws IOException {
    flip(index, 30);
    openFails(index, "the checksum of the data block at byte 0 (bytes [0, ");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 47, 48, 100, 900, -48, -47, -1})
  void aTruncatedIndexFails(int length) throws IOException {
    long size = Files.size(index);
    truncate(index, length < 0 ? size + length : length);
    openFails(index, length >= 0 && length < 48 ? "too short for the 48-byte table footer"
        : "not the table magic number 0xdb4775248b80fb57");
  }

  @Test
  void anIndexTruncatedToItsFooterFailsOnTheHandles() throws IOException {
    byte[] bytes = Files.readAllBytes(index);
    Files.write(index, Arrays.copyOfRange(bytes, bytes.length - 48, bytes.length));
    openFails(index, "points past the 0 bytes before the footer");
  }

  @Test
  void aTruncatedDataShardFailsOnOpenNamingTheFirstTensorPastItsEnd() throws IOException {
    truncate(data, 1000);
    openFails(data, "past the end of this 1000-byte file (was it truncated?)");
  }

  @Test
  void aMissingDataShardIsNamed() throws IOException {
    Files.delete(data);
    IOException e = assertThrows(IOException.class, () -> TfCheckpointReader.open(prefix));
    assertTrue(e.getMessage().contains(data.toString()), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(longs = {1L << 40, -1L, 1815})
  void aLyingIndexHandleInTheFooter(long size) throws Exception {
    Files.write(index, IndexSurgery.withIndexHandle(Files.readAllBytes(index), new BlockHandle(0, size)));
    openFails(index, "the block handle of the index block (offset 0, size " + Long.toUnsignedString(size)
        + ") points past the ");
    Files.write(index, IndexSurgery.withIndexHandle(Files.readAllBytes(index), new BlockHandle(1L << 62, 10)));
    openFails(index, "(offset 4611686018427387904, size 10) points past");
  }

  @Test
  void aLyingDataBlockHandleInTheIndexBlock() throws Exception {
    byte[] contents = block(List.of(new Entry(new byte[] {(byte) 0xff}, handle(0, 1L << 40))));
    Files.write(index, IndexSurgery.withIndexBlock(Files.readAllBytes(index), contents, 0));
    openFails(index, "the block handle of the data block at byte 0 (offset 0, size 1099511627776) points past");
  }

  @Test
  void aHugeRestartCount() throws Exception {
    byte[] contents = block(List.of());
    ByteBuffer.wrap(contents).order(ByteOrder.LITTLE_ENDIAN).putInt(contents.length - 4, 1_000_000_000);
    Files.write(index, IndexSurgery.withIndexBlock(Files.readAllBytes(index), contents, 0));
    openFails(index, "the index block is malformed: its restart count 1000000000 does not fit its 8 bytes");
  }

  @Test
  void compressedBlocksAreRefusedByName() throws Exception {
    byte[] table = Files.readAllBytes(index);
    Files.write(index, IndexSurgery.withIndexBlock(table, block(List.of()), 1));
    openFails(index, "the index block is Snappy-compressed, which this reader does not decompress");
    Files.write(index, IndexSurgery.withIndexBlock(table, block(List.of()), 7));
    openFails(index, "the index block has compression type 7");
  }

  @Test
  void malformedBlocks() throws IOException {
    Entry b = new Entry(new byte[] {'b'}, new byte[0]);
    Entry a = new Entry(new byte[] {'a'}, new byte[0]);
    Files.write(index, IndexSurgery.table(block(List.of(b, a))));
    openFails(index, "the table's keys are out of order at key \"a\"");

    byte[] sharing = block(List.of(a));
    sharing[0] = 3; // shares 3 bytes with the empty key before it
    Files.write(index, IndexSurgery.table(sharing));
    openFails(index, "the data block at byte 0 is malformed: the entry at byte 0 shares 3 bytes");

    byte[] overlong = block(List.of(a));
    overlong[2] = 100; // a value of 100 bytes where there are none
    Files.write(index, IndexSurgery.table(overlong));
    openFails(index, "a value of 100 bytes at byte 4 runs past the end");

    byte[] offRestart = block(List.of(a, b));
    ByteBuffer.wrap(offRestart).order(ByteOrder.LITTLE_ENDIAN).putInt(offRestart.length - 8, 2);
    Files.write(index, IndexSurgery.table(offRestart));
    openFails(index, "restart point 2 is not at the start of an entry");
  }

  @Test
  void anEntryWhoseSizeDoesNotMatchItsShape() throws IOException {
    IndexSurgery.rewriteEntry(index, KERNEL, info -> new TfTensorInfo(info.name(), info.dtype(), info.shape(),
        info.shardId(), info.offset(), info.size() + 4, info.crc32c(), 0));
    openFails(index, "tensor \"" + KERNEL + "\" of dtype DT_FLOAT and shape [16, 8] needs 512 bytes; its entry says 516");
  }

  @Test
  void anEntryWithAHugeShapeFailsWithoutAllocating() throws IOException {
    IndexSurgery.rewriteEntry(index, KERNEL, info -> new TfTensorInfo(info.name(), info.dtype(),
        new long[] {1L << 40, 1L << 40}, 0, 0, 0, 0, 0));
    openFails(index, "tensor \"" + KERNEL + "\" has shape [1099511627776, 1099511627776], too many elements");
    IndexSurgery.rewriteEntry(index, KERNEL, info -> new TfTensorInfo(info.name(), info.dtype(),
        new long[] {1L << 30, 4}, 0, 0, 1L << 34, 0, 0));
    openFails(data, "is said to lie in bytes [0, 17179869184), past the end of this 6592-byte file");
  }

  @Test
  void anEntryWhoseBytesLieBeyondTheShard() throws IOException {
    IndexSurgery.rewriteEntry(index, KERNEL, info -> new TfTensorInfo(info.name(), info.dtype(), info.shape(),
        info.shardId(), 6592 - 100, info.size(), info.crc32c(), 0));
    openFails(data, "tensor \"" + KERNEL + "\" is said to lie in bytes [6492, 7004), past the end of this 6592-byte");
    IndexSurgery.rewriteEntry(index, KERNEL, info -> new TfTensorInfo(info.name(), info.dtype(), info.shape(),
        3, info.offset(), info.size(), info.crc32c(), 0));
    openFails(index, "tensor \"" + KERNEL + "\" is in shard 3 of 1");
  }

  @Test
  void malformedEntriesAndHeaders() throws IOException {
    replaceValue(KERNEL, new byte[] {0x08});
    openFails(index, "the entry of tensor \"" + KERNEL + "\" is malformed: a varint runs past the end at byte 1");
    replaceValue(KERNEL, new byte[] {0x08, 99});
    openFails(index, "the entry of tensor \"" + KERNEL + "\" is malformed: dtype code 99 is unknown to this reader");
    replaceValue(KERNEL, new byte[] {0x0a, 0});
    openFails(index, "field 1 has wire type 2, not the one its type needs");
    replaceValue("", new byte[] {0x08, 1, 0x1a, 2, 0x10, 2});
    openFails(index, "the bundle needs a reader of format version 2 or newer; this one reads version 1");
    replaceValue("", new byte[] {0x08, 0});
    openFails(index, "the header entry is malformed: the header says num_shards = 0");
    IndexSurgery.rewrite(index, entries -> entries.subList(1, entries.size()));
    openFails(index, "the table has no header entry (the empty key)");
  }

  @Test
  void unknownFieldsAreSkipped() throws IOException {
    IndexSurgery.rewrite(index, entries -> entries.stream().map(e -> new Entry(e.key(), IndexSurgery.concat(e.value(),
        new byte[] {(byte) 0xa0, 0x06, 0x01, (byte) 0xaa, 0x06, 0x02, 'h', 'i'}))).toList());
    try (TfCheckpointReader reader = TfCheckpointReader.open(prefix)) {
      assertEquals(8, reader.read("bert/pooler/dense/bias").data().length);
    }
  }

  @Test
  void aBigEndianBundleIsReadInItsByteOrder() throws IOException {
    Path be = dir.resolve("be/model.ckpt");
    TfCheckpointWriter.write(be, Map.of("w", new FloatTensor(new int[] {2}, new float[] {1.5f, -2f})),
        Map.of("global_step", 258L));
    Path beIndex = Path.of(be + ".index");
    Path beData = Path.of(be + ".data-00000-of-00001");
    byte[] bytes = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putLong(258L).putFloat(1.5f).putFloat(-2f).array();
    Files.write(beData, bytes);
    List<Entry> rewritten = new ArrayList<>();
    IndexSurgery.rewrite(beIndex, entries -> {
      rewritten.add(new Entry(new byte[0], BundleProtos.encodeHeader(new TfBundleHeader(1, ByteOrder.BIG_ENDIAN, 1, 0))));
      rewritten.add(entry("global_step", TfDType.DT_INT64, new long[0], 0, bytes, 0, 8));
      rewritten.add(entry("w", TfDType.DT_FLOAT, new long[] {2}, 8, bytes, 8, 16));
      return rewritten;
    });
    try (TfCheckpointReader reader = TfCheckpointReader.open(be)) {
      assertEquals(ByteOrder.BIG_ENDIAN, reader.header().byteOrder());
      assertArrayEquals(new float[] {1.5f, -2f}, reader.read("w").data());
      assertArrayEquals(new long[] {258L}, reader.readLongs("global_step"));
    }
  }

  private static Entry entry(String name, TfDType dtype, long[] shape, long offset, byte[] data, int from, int to) {
    CRC32C crc = new CRC32C();
    crc.update(data, from, to - from);
    return new Entry(name.getBytes(StandardCharsets.UTF_8), BundleProtos.encodeEntry(
        new TfTensorInfo(name, dtype, shape, 0, offset, to - from, (int) crc.getValue(), 0)));
  }

  private void replaceValue(String name, byte[] value) throws IOException {
    Files.copy(TinyCheckpoints.fixture("bert/bert_model.ckpt.index"), index,
        StandardCopyOption.REPLACE_EXISTING);
    byte[] key = name.getBytes(StandardCharsets.UTF_8);
    IndexSurgery.rewrite(index, entries -> entries.stream()
        .map(e -> Arrays.equals(e.key(), key) ? new Entry(key, value) : e).toList());
  }

  private static void flip(Path file, long position) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(position);
      int b = f.read();
      f.seek(position);
      f.write(b ^ 0x40);
    }
  }

  private static void truncate(Path file, long length) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(length);
    }
  }
}
