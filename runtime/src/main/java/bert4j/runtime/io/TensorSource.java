package bert4j.runtime.io;

import bert4j.runtime.FloatTensor;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint's tensors by name, whatever its format (safetensors, PyTorch, TensorFlow, shards):
 * what the model's loader reads. Names are as the source presents them; shapes are the stored ones.
 * Errors about the checkpoint are made by {@link #error}, so each format keeps its own exception type.
 */
public interface TensorSource extends Closeable {
  /** The file, prefix or directory read, for messages. */
  Path path();

  /** Every tensor name, in the source's order. */
  List<String> names();

  boolean contains(String name);

  /** The stored shape of tensor {@code name}. */
  long[] shape(String name) throws IOException;

  /** The element type of tensor {@code name} as the format names it (F32, BF16, DT_INT64, ...). */
  String typeName(String name) throws IOException;

  /** Whether tensor {@code name} reads as float32 (floating-point types do). */
  boolean readsAsFloat(String name) throws IOException;

  /** Tensor {@code name} as float32. */
  FloatTensor read(String name) throws IOException;

  /** String metadata (safetensors' {@code __metadata__}); empty where the format has none. */
  Map<String, String> metadata();

  /** The format's exception for a problem with this checkpoint, naming it. */
  IOException error(String problem);
}
