package bert4j.runtime.io.tf;

import java.util.Arrays;

/**
 * A bounds-checked cursor over {@code bytes[from, to)} that decodes what the index file is made of: the
 * table's varints and little-endian fixed32s, and the protobuf wire format of the bundle's header and
 * entries (the few messages involved do not warrant a protobuf dependency). Every read that would run
 * past the end, and every varint longer than 64 bits, is a {@link Malformed}.
 */
final class WireReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;

  private final byte[] bytes;
  private final int end;
  private int position;

  WireReader(byte[] bytes, int from, int to) {
    if (from < 0 || from > to || to > bytes.length) {
      throw new IllegalArgumentException("range [" + from + ", " + to + ") of " + bytes.length + " bytes");
    }
    this.bytes = bytes;
    this.position = from;
    this.end = to;
  }

  WireReader(byte[] bytes) {
    this(bytes, 0, bytes.length);
  }

  /** What the bytes do not hold: the message says what was being read and where. */
  static final class Malformed extends Exception {
    Malformed(String message) {
      super(message);
    }
  }

  boolean hasRemaining() {
    return position < end;
  }

  int position() {
    return position;
  }

  /** An unsigned varint of up to 64 bits. */
  long varint64() throws Malformed {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (position >= end) {
        throw new Malformed("a varint runs past the end at byte " + position);
      }
      byte b = bytes[position++];
      value |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return value;
      }
    }
    throw new Malformed("a varint longer than 10 bytes ends at byte " + position);
  }

  /** A varint that must fit in 32 bits unsigned, returned as a non-negative long. */
  long varint32() throws Malformed {
    int at = position;
    long value = varint64();
    if (value >>> 32 != 0) {
      throw new Malformed("the varint32 at byte " + at + " is " + Long.toUnsignedString(value));
    }
    return value;
  }

  /** A varint that must be a non-negative int (a length or a count). */
  int length() throws Malformed {
    int at = position;
    long value = varint64();
    if (value < 0 || value > Integer.MAX_VALUE) {
      throw new Malformed("the length at byte " + at + " is " + Long.toUnsignedString(value));
    }
    return (int) value;
  }

  int fixed32() throws Malformed {
    require(4, "a fixed32");
    int value = (bytes[position] & 0xff) | (bytes[position + 1] & 0xff) << 8
        | (bytes[position + 2] & 0xff) << 16 | (bytes[position + 3] & 0xff) << 24;
    position += 4;
    return value;
  }

  /** The next {@code n} bytes, copied. */
  byte[] bytes(int n, String what) throws Malformed {
    require(n, what);
    byte[] copy = Arrays.copyOfRange(bytes, position, position + n);
    position += n;
    return copy;
  }

  /** A reader over the next {@code n} bytes, which this one skips. */
  WireReader slice(int n, String what) throws Malformed {
    require(n, what);
    WireReader slice = new WireReader(bytes, position, position + n);
    position += n;
    return slice;
  }

  /** A protobuf field tag: field number {@code << 3 |} wire type. */
  int tag() throws Malformed {
    int at = position;
    long tag = varint32();
    if (tag >>> 3 == 0) {
      throw new Malformed("field number 0 at byte " + at);
    }
    return (int) tag;
  }

  /** A length-delimited protobuf field's contents. */
  WireReader message(String what) throws Malformed {
    return slice(length(), what);
  }

  /** Skips a protobuf field of this wire type (what readers of newer writers' fields must do). */
  void skip(int wireType) throws Malformed {
    int n = switch (wireType) {
      case VARINT -> {
        varint64();
        yield 0;
      }
      case FIXED64 -> 8;
      case LENGTH_DELIMITED -> length();
      case FIXED32 -> 4;
      default -> throw new Malformed("unknown wire type " + wireType + " before byte " + position);
    };
    position += require(n, "a field of wire type " + wireType);
  }

  private int require(int n, String what) throws Malformed {
    if (n > end - position) {
      throw new Malformed(what + " of " + n + " bytes at byte " + position + " runs past the end at byte " + end);
    }
    return n;
  }
}
