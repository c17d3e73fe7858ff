package bert4j.runtime.io.tf;

import java.util.zip.CRC32C;

/**
 * CRC32C (Castagnoli) as TensorFlow stores it: the index table's block trailers and the bundle entries keep
 * the checksum "masked" (rotated right by 15 bits plus a constant), so that a checksum of bytes that
 * themselves hold checksums does not degenerate.
 */
final class Crc32c {
  private static final int MASK_DELTA = 0xa282ead8;

  private Crc32c() {}

  /** The plain CRC32C of {@code bytes[from, to)}. */
  static int of(byte[] bytes, int from, int to) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, from, to - from);
    return (int) crc.getValue();
  }

  /** The stored form of a checksum. */
  static int mask(int crc) {
    return Integer.rotateRight(crc, 15) + MASK_DELTA;
  }

  /** The checksum that {@link #mask} stored as {@code masked}. */
  static int unmask(int masked) {
    return Integer.rotateLeft(masked - MASK_DELTA, 15);
  }
}
