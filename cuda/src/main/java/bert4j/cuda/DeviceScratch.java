package bert4j.cuda;

/**
 * A grow-only device buffer for a kernel's temporaries (uploaded ids, partial sums, row losses):
 * allocated on first use and reallocated only when a call needs more, so steady-state calls
 * allocate nothing. Every use is ordered in the one stream, so consecutive calls may share it.
 */
final class DeviceScratch {
  private final Device device;
  private long address;
  private long capacity;
  private boolean grew;

  DeviceScratch(Device device) {
    this.device = device;
  }

  /** The address of at least {@code bytes} bytes; their contents are kept unless {@link #grew}. */
  long reserve(long bytes) {
    if (bytes > capacity) {
      if (address != 0) {
        device.free(address);
      }
      capacity = Math.max(bytes, capacity + capacity / 2);
      address = device.allocate(capacity);
      grew = true;
    }
    return address;
  }

  /** Whether the last {@link #reserve} reallocated (so earlier contents are gone); resets it. */
  boolean grew() {
    boolean g = grew;
    grew = false;
    return g;
  }

  /** Frees the buffer (before the device closes). */
  void release() {
    if (address != 0) {
      device.free(address);
      address = 0;
      capacity = 0;
    }
  }
}
