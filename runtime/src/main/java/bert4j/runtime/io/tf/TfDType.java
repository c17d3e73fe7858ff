package bert4j.runtime.io.tf;

import java.util.Optional;

/**
 * The element types ({@code tensorflow.DataType}) a checkpoint entry may name, with their code in the
 * file and their size in bytes (0 for the variable-length string, variant and resource types, whose
 * values are not laid out one element after another). {@link TfCheckpointReader#read} converts the
 * floating-point types to float32; {@link TfCheckpointReader#readLongs} reads the integer types.
 */
public enum TfDType {
  DT_FLOAT(1, 4), DT_DOUBLE(2, 8), DT_INT32(3, 4), DT_UINT8(4, 1), DT_INT16(5, 2), DT_INT8(6, 1),
  DT_STRING(7, 0), DT_COMPLEX64(8, 8), DT_INT64(9, 8), DT_BOOL(10, 1), DT_QINT8(11, 1), DT_QUINT8(12, 1),
  DT_QINT32(13, 4), DT_BFLOAT16(14, 2), DT_QINT16(15, 2), DT_QUINT16(16, 2), DT_UINT16(17, 2),
  DT_COMPLEX128(18, 16), DT_HALF(19, 2), DT_RESOURCE(20, 0), DT_VARIANT(21, 0), DT_UINT32(22, 4),
  DT_UINT64(23, 8), DT_FLOAT8_E5M2(24, 1), DT_FLOAT8_E4M3FN(25, 1), DT_INT4(29, 1), DT_UINT4(30, 1);

  private final int code;
  private final int bytes;

  TfDType(int code, int bytes) {
    this.code = code;
    this.bytes = bytes;
  }

  /** The type of a {@code DataType} code, empty for codes this reader does not know. */
  public static Optional<TfDType> ofCode(long code) {
    for (TfDType type : values()) {
      if (type.code == code) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }

  /** The {@code DataType} number in the file. */
  public int code() {
    return code;
  }

  /** Bytes per element; 0 for the variable-length types. */
  public int bytes() {
    return bytes;
  }

  /** Whether the values are laid out as {@link #bytes()} bytes per element. */
  public boolean fixedSize() {
    return bytes > 0;
  }

  /** Whether {@link TfCheckpointReader#read} converts this type to float32 (exactly, but for DT_DOUBLE). */
  public boolean readableAsFloat() {
    return this == DT_FLOAT || this == DT_HALF || this == DT_BFLOAT16 || this == DT_DOUBLE;
  }

  /** Whether {@link TfCheckpointReader#readLongs} reads this type. */
  public boolean readableAsLong() {
    return switch (this) {
      case DT_INT8, DT_INT16, DT_INT32, DT_INT64, DT_UINT8, DT_UINT16, DT_UINT32 -> true;
      default -> false;
    };
  }
}
