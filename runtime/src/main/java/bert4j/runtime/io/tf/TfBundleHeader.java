package bert4j.runtime.io.tf;

import java.nio.ByteOrder;

/**
 * The checkpoint's header ({@code BundleHeaderProto}, the index entry under the empty key): how many data
 * shards there are, the byte order of the tensor data, and the bundle format version that wrote it.
 */
public record TfBundleHeader(int numShards, ByteOrder byteOrder, int versionProducer, int versionMinConsumer) {
  /** The bundle format version this library reads and writes (TensorFlow's {@code kTensorBundleVersion}). */
  public static final int VERSION = 1;
}
