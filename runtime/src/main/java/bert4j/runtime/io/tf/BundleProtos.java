package bert4j.runtime.io.tf;

import bert4j.runtime.io.tf.WireReader.Malformed;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The two protobuf messages of an index file, {@code BundleHeaderProto} and {@code BundleEntryProto}
 * (tensorflow/core/protobuf/tensor_bundle.proto), decoded field by field and encoded as proto3 serializers
 * do: fields in number order, zero scalars left out, set submessages kept even when empty (a scalar's
 * shape). Unknown fields are skipped.
 */
final class BundleProtos {
  private BundleProtos() {}

  static TfBundleHeader decodeHeader(byte[] value) throws Malformed {
    WireReader in = new WireReader(value);
    long numShards = 0;
    long endianness = 0;
    long producer = 0;
    long minConsumer = 0;
    while (in.hasRemaining()) {
      int tag = in.tag();
      switch (tag) {
        case 1 << 3 | WireReader.VARINT -> numShards = in.varint64();
        case 2 << 3 | WireReader.VARINT -> endianness = in.varint64();
        case 3 << 3 | WireReader.LENGTH_DELIMITED -> {
          WireReader version = in.message("the version");
          while (version.hasRemaining()) {
            int field = version.tag();
            switch (field) {
              case 1 << 3 | WireReader.VARINT -> producer = version.varint64();
              case 2 << 3 | WireReader.VARINT -> minConsumer = version.varint64();
              default -> version.skip(field & 7);
            }
          }
        }
        default -> skipUnknown(in, tag, 1, 2, 3);
      }
    }
    if (numShards < 1 || numShards > 99_999) {
      throw new Malformed("the header says num_shards = " + numShards);
    }
    if (endianness != 0 && endianness != 1) {
      throw new Malformed("the header's endianness is " + endianness + " (0 is little, 1 big)");
    }
    return new TfBundleHeader((int) numShards, endianness == 0 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN,
        (int) producer, (int) minConsumer);
  }

  static byte[] encodeHeader(TfBundleHeader header) {
    return new WireWriter()
        .varintField(1, header.numShards())
        .varintField(2, header.byteOrder() == ByteOrder.BIG_ENDIAN ? 1 : 0)
        .messageField(3, new WireWriter()
            .varintField(1, header.versionProducer())
            .varintField(2, header.versionMinConsumer()))
        .toByteArray();
  }

  /** The entry of tensor {@code name}; the checksum is returned unmasked. */
  static TfTensorInfo decodeEntry(String name, byte[] value) throws Malformed {
    WireReader in = new WireReader(value);
    long dtypeCode = 0;
    long[] shape = new long[0];
    long shardId = 0;
    long offset = 0;
    long size = 0;
    int maskedCrc = 0;
    int slices = 0;
    while (in.hasRemaining()) {
      int tag = in.tag();
      switch (tag) {
        case 1 << 3 | WireReader.VARINT -> dtypeCode = in.varint64();
        case 2 << 3 | WireReader.LENGTH_DELIMITED -> shape = decodeShape(in.message("the shape"));
        case 3 << 3 | WireReader.VARINT -> shardId = in.varint64();
        case 4 << 3 | WireReader.VARINT -> offset = in.varint64();
        case 5 << 3 | WireReader.VARINT -> size = in.varint64();
        case 6 << 3 | WireReader.FIXED32 -> maskedCrc = in.fixed32();
        case 7 << 3 | WireReader.LENGTH_DELIMITED -> {
          in.message("a slice");
          slices++;
        }
        default -> skipUnknown(in, tag, 1, 2, 3, 4, 5, 6, 7);
      }
    }
    long code = dtypeCode;
    TfDType dtype = TfDType.ofCode(code)
        .orElseThrow(() -> new Malformed("dtype code " + code + " is unknown to this reader"));
    if (shardId < 0 || shardId > Integer.MAX_VALUE) {
      throw new Malformed("shard_id is " + shardId);
    }
    if (offset < 0 || size < 0) {
      throw new Malformed("offset " + offset + " and size " + size + " must not be negative");
    }
    return new TfTensorInfo(name, dtype, shape, (int) shardId, offset, size, Crc32c.unmask(maskedCrc), slices);
  }

  /** The entry of a whole (not partitioned) tensor, with its checksum masked as TensorFlow stores it. */
  static byte[] encodeEntry(TfTensorInfo info) {
    WireWriter shape = new WireWriter();
    for (long d : info.shape()) {
      shape.messageField(2, new WireWriter().varintField(1, d));
    }
    return new WireWriter()
        .varintField(1, info.dtype().code())
        .messageField(2, shape)
        .varintField(3, info.shardId())
        .varintField(4, info.offset())
        .varintField(5, info.size())
        .fixed32Field(6, Crc32c.mask(info.crc32c()))
        .toByteArray();
  }

  /** A {@code TensorShapeProto}: its dims' sizes, which must be known (not -1) in a checkpoint. */
  private static long[] decodeShape(WireReader in) throws Malformed {
    long[] dims = new long[4];
    int rank = 0;
    while (in.hasRemaining()) {
      int tag = in.tag();
      switch (tag) {
        case 2 << 3 | WireReader.LENGTH_DELIMITED -> {
          WireReader dim = in.message("a dim");
          long size = 0;
          while (dim.hasRemaining()) {
            int field = dim.tag();
            if (field == (1 << 3 | WireReader.VARINT)) {
              size = dim.varint64();
            } else {
              dim.skip(field & 7);
            }
          }
          if (size < 0) {
            throw new Malformed("dimension " + rank + " of the shape is " + size);
          }
          if (rank == dims.length) {
            dims = Arrays.copyOf(dims, rank * 2);
          }
          dims[rank++] = size;
        }
        case 3 << 3 | WireReader.VARINT -> {
          if (in.varint64() != 0) {
            throw new Malformed("the shape's rank is unknown");
          }
        }
        default -> skipUnknown(in, tag, 2, 3);
      }
    }
    return Arrays.copyOf(dims, rank);
  }

  /** Skips a field this reader does not know; a known field number with another wire type is malformed. */
  private static void skipUnknown(WireReader in, int tag, int... knownFields) throws Malformed {
    int field = tag >>> 3;
    if (Arrays.stream(knownFields).anyMatch(known -> known == field)) {
      throw new Malformed("field " + field + " has wire type " + (tag & 7) + ", not the one its type needs");
    }
    in.skip(tag & 7);
  }
}
