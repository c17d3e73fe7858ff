package bert4j.runtime.io.tf;

/** IEEE 754 half precision (DT_HALF) to float32, exactly; Java 17 has no {@code Float.float16ToFloat}. */
final class Half {
  private Half() {}

  static float toFloat(short bits) {
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) { // infinity or NaN, payload kept
      return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13);
    }
    if (exponent == 0) { // zero or subnormal: mantissa × 2^-24, exact in float32
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | (exponent + 127 - 15) << 23 | mantissa << 13);
  }
}
