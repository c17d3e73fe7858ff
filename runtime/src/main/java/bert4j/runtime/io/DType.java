package bert4j.runtime.io;

/**
 * The element types a safetensors header may name, with their size in bytes. Only {@link #F64},
 * {@link #F32}, {@link #F16} and {@link #BF16} can be read as float32; the others are listed but not read.
 */
public enum DType {
  BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), F8_E8M0(1),
  I16(2), U16(2), F16(2), BF16(2),
  I32(4), U32(4), F32(4),
  I64(8), U64(8), F64(8);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** Whether {@link SafeTensorsReader#read(String)} converts this type to float32. */
  public boolean readableAsFloat() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }
}
