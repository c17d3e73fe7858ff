package bert4j.runtime.io.tf;

import java.util.Arrays;

/**
 * One tensor of a checkpoint, as its index entry ({@code BundleEntryProto}) describes it: name, element
 * type, shape, the data shard and byte range {@code [offset, offset + size)} that hold its values, and
 * their CRC32C (unmasked). A partitioned variable ({@code slices > 0}) is saved as separate slices; its
 * entry gives the full shape only, and its shard, offset, size and checksum mean nothing.
 */
public record TfTensorInfo(String name, TfDType dtype, long[] shape, int shardId, long offset, long size,
    int crc32c, int slices) {
  public TfTensorInfo {
    shape = shape.clone();
  }

  /** The shape (a copy); {@code []} for a scalar. */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The number of elements: the product of the dimensions (1 for a scalar), or -1 when over 2^63 - 1. */
  public long elementCount() {
    if (Arrays.stream(shape).anyMatch(d -> d == 0)) {
      return 0;
    }
    long count = 1;
    for (long d : shape) {
      if (count > Long.MAX_VALUE / d) {
        return -1;
      }
      count *= d;
    }
    return count;
  }

  /** Whether the variable was saved in slices (see the class comment). */
  public boolean partitioned() {
    return slices > 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TfTensorInfo t && name.equals(t.name) && dtype == t.dtype
        && Arrays.equals(shape, t.shape) && shardId == t.shardId && offset == t.offset && size == t.size
        && crc32c == t.crc32c && slices == t.slices;
  }

  @Override
  public int hashCode() {
    return (name.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(offset);
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape)
        + (partitioned() ? " in " + slices + " slices" : " shard " + shardId + " bytes [" + offset + ", "
            + (offset + size) + ")");
  }
}
