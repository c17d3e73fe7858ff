package bert4j.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The arguments of one kernel launch, written into a reusable native buffer of 8-byte slots, one
 * per kernel parameter in order (device addresses and 64-bit integers fill a slot; ints and floats
 * its first 4 bytes). The driver copies the values at launch, so one instance serves every launch
 * and a launch allocates nothing.
 */
final class LaunchArgs {
  /** The most parameters a bert4j kernel takes. */
  static final int SLOTS = 32;

  private final ByteBuffer slots =
      ByteBuffer.allocateDirect(8 * SLOTS).order(ByteOrder.nativeOrder());
  private int count;

  /** Starts the arguments of a new launch. */
  LaunchArgs clear() {
    count = 0;
    return this;
  }

  /** A pointer parameter: a device address, 0 for null. */
  LaunchArgs address(long address) {
    slots.putLong(next(), address);
    return this;
  }

  LaunchArgs i32(int value) {
    slots.putInt(next(), value);
    return this;
  }

  LaunchArgs f32(float value) {
    slots.putFloat(next(), value);
    return this;
  }

  /** A {@code double} parameter. */
  LaunchArgs f64(double value) {
    slots.putDouble(next(), value);
    return this;
  }

  /** A {@code long long} or {@code unsigned long long} parameter. */
  LaunchArgs i64(long value) {
    slots.putLong(next(), value);
    return this;
  }

  /** The slots, {@code 8 * SLOTS} bytes: what a launch passes to the driver. */
  ByteBuffer slots() {
    return slots;
  }

  private int next() {
    if (count == SLOTS) {
      throw new IllegalStateException("more than " + SLOTS + " kernel arguments");
    }
    return 8 * count++;
  }
}
