package bert4j.runtime.io.torch;

import bert4j.runtime.io.DType;
import bert4j.runtime.io.Float16;
import java.nio.ByteBuffer;

/**
 * Storage elements as float32 or long: floats from float32, float16, bfloat16 (exactly) and float64
 * (rounded to nearest); integers from the integer types and bool. The buffer's byte order is the
 * archive's.
 */
final class Elements {
  private Elements() {}

  /** Decodes {@code count} elements from the start of {@code bytes} into {@code out[offset...]}. */
  static void toFloats(DType dtype, ByteBuffer bytes, float[] out, int offset, int count) {
    switch (dtype) {
      case F32 -> bytes.asFloatBuffer().get(out, offset, count);
      case F64 -> {
        for (int i = 0; i < count; i++) {
          out[offset + i] = (float) bytes.getDouble(bytes.position() + 8 * i);
        }
      }
      case F16 -> {
        for (int i = 0; i < count; i++) {
          out[offset + i] = Float16.toFloat(bytes.getShort(bytes.position() + 2 * i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < count; i++) {
          out[offset + i] = Float.intBitsToFloat((bytes.getShort(bytes.position() + 2 * i) & 0xffff) << 16);
        }
      }
      default -> throw new IllegalArgumentException("not a float dtype: " + dtype);
    }
  }

  /** Decodes {@code count} elements from the start of {@code bytes} into {@code out[offset...]}. */
  static void toLongs(DType dtype, ByteBuffer bytes, long[] out, int offset, int count) {
    int at = bytes.position();
    for (int i = 0; i < count; i++) {
      out[offset + i] = switch (dtype) {
        case I64 -> bytes.getLong(at + 8 * i);
        case I32 -> bytes.getInt(at + 4 * i);
        case I16 -> bytes.getShort(at + 2 * i);
        case I8 -> bytes.get(at + i);
        case U8, BOOL -> bytes.get(at + i) & 0xff;
        default -> throw new IllegalArgumentException("not an integer dtype: " + dtype);
      };
    }
  }

  /** Whether {@link #toFloats} reads this dtype. */
  static boolean floating(DType dtype) {
    return dtype == DType.F32 || dtype == DType.F16 || dtype == DType.BF16 || dtype == DType.F64;
  }

  /** Whether {@link #toLongs} reads this dtype. */
  static boolean integral(DType dtype) {
    return dtype == DType.I64 || dtype == DType.I32 || dtype == DType.I16 || dtype == DType.I8
        || dtype == DType.U8 || dtype == DType.BOOL;
  }

}
