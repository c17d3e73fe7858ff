package bert4j.runtime.io.tf;

import java.io.ByteArrayOutputStream;

/** Encodes what {@link WireReader} decodes: varints, little-endian fixed32s and protobuf fields. */
final class WireWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  WireWriter varint(long value) {
    long v = value;
    while ((v & ~0x7fL) != 0) {
      out.write((int) (v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
    return this;
  }

  WireWriter fixed32(int value) {
    out.write(value);
    out.write(value >>> 8);
    out.write(value >>> 16);
    out.write(value >>> 24);
    return this;
  }

  WireWriter bytes(byte[] bytes) {
    out.write(bytes, 0, bytes.length);
    return this;
  }

  /** A varint field, left out when zero as proto3 serializers do. */
  WireWriter varintField(int field, long value) {
    return value == 0 ? this : varint(field << 3 | WireReader.VARINT).varint(value);
  }

  /** A fixed32 field, left out when zero as proto3 serializers do. */
  WireWriter fixed32Field(int field, int value) {
    return value == 0 ? this : varint(field << 3 | WireReader.FIXED32).fixed32(value);
  }

  /** A message field, written even when empty (a set submessage). */
  WireWriter messageField(int field, WireWriter message) {
    byte[] bytes = message.toByteArray();
    return varint(field << 3 | WireReader.LENGTH_DELIMITED).varint(bytes.length).bytes(bytes);
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }
}
