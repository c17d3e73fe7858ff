package bert4j.runtime.io.torch;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes pickle opcodes by hand in tests, independently of {@link PickleMachine}. */
final class PickleBytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  PickleBytes raw(int... bytes) {
    for (int b : bytes) {
      out.write(b);
    }
    return this;
  }

  PickleBytes proto(int protocol) {
    return raw(0x80, protocol);
  }

  PickleBytes mark() {
    return raw('(');
  }

  PickleBytes emptyDict() {
    return raw('}');
  }

  PickleBytes emptyTuple() {
    return raw(')');
  }

  PickleBytes tuple() {
    return raw('t');
  }

  PickleBytes reduce() {
    return raw('R');
  }

  PickleBytes setItems() {
    return raw('u');
  }

  PickleBytes persistentId() {
    return raw('Q');
  }

  PickleBytes stop() {
    return raw('.');
  }

  PickleBytes bool(boolean value) {
    return raw(value ? 0x88 : 0x89);
  }

  /** BINUNICODE. */
  PickleBytes str(String value) {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    raw('X');
    le(utf8.length, 4);
    out.writeBytes(utf8);
    return this;
  }

  /** SHORT_BINUNICODE (protocol 4). */
  PickleBytes shortStr(String value) {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    raw(0x8c, utf8.length);
    out.writeBytes(utf8);
    return this;
  }

  /** LONG1 with 8 bytes: any long. */
  PickleBytes integer(long value) {
    raw(0x8a, 8);
    return le(value, 8);
  }

  /** Each value as {@link #integer}. */
  PickleBytes integers(long... values) {
    for (long value : values) {
      integer(value);
    }
    return this;
  }

  /** GLOBAL "module\nname\n". */
  PickleBytes global(String module, String name) {
    raw('c');
    out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    return this;
  }

  PickleBytes le(long value, int count) {
    for (int i = 0; i < count; i++) {
      out.write((int) (value >>> (8 * i)));
    }
    return this;
  }

  byte[] bytes() {
    return out.toByteArray();
  }

  /**
   * A protocol-2 state dict as torch.save writes it, of one tensor {@code name}: storage {@code key} of
   * {@code numel} elements of {@code storageType}, viewed from {@code offset} with {@code shape} and
   * {@code stride}.
   */
  static byte[] stateDict(String name, String storageType, String key, long numel, long offset, long[] shape,
      long[] stride) {
    return new PickleBytes().proto(2).emptyDict().mark()
        .str(name).global("torch._utils", "_rebuild_tensor_v2").mark()
        .mark().str("storage").global("torch", storageType).str(key).str("cpu").integer(numel).tuple()
        .persistentId()
        .integer(offset).mark().integers(shape).tuple().mark().integers(stride).tuple()
        .bool(false).global("collections", "OrderedDict").emptyTuple().reduce()
        .tuple().reduce()
        .setItems().stop().bytes();
  }
}
