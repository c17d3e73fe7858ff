package bert4j.runtime.io;

import bert4j.runtime.FloatTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Another checkpoint's tensors under the names a model looks for: each stored name mapped (names the
 * mapping takes to null are left out: a TensorFlow checkpoint's step counter and optimizer slots), and the tensors {@code transposed} names of stored as
 * {@code [in, out]} (TensorFlow's dense kernels) presented as {@code [out, in]}.
 */
public final class RenamedSource implements TensorSource {
  private final TensorSource stored;
  private final Map<String, String> storedName = new LinkedHashMap<>();
  private final Predicate<String> transposed;

  /**
   * {@code stored}'s tensors renamed by {@code rename} (stored name → presented name, or null to leave
   * it out); {@code transposed} tells, by stored name, the 2-D tensors to present transposed.
   */
  public RenamedSource(TensorSource stored, Function<String, String> rename,
      Predicate<String> transposed) throws IOException {
    this.stored = stored;
    this.transposed = name -> transposed.test(name) && shapeOf(stored, name).length == 2;
    for (String name : stored.names()) {
      String presented = rename.apply(name);
      if (presented == null) {
        continue;
      }
      String clash = storedName.putIfAbsent(presented, name);
      if (clash != null) {
        throw stored.error("tensors " + clash + " and " + name + " both map to " + presented);
      }
    }
  }

  private static long[] shapeOf(TensorSource source, String name) {
    try {
      return source.shape(name);
    } catch (IOException e) {
      return new long[0];
    }
  }

  @Override
  public Path path() {
    return stored.path();
  }

  @Override
  public List<String> names() {
    return new ArrayList<>(storedName.keySet());
  }

  @Override
  public boolean contains(String name) {
    return storedName.containsKey(name);
  }

  @Override
  public long[] shape(String name) throws IOException {
    String s = original(name);
    long[] shape = stored.shape(s);
    return transposed.test(s) ? new long[] {shape[1], shape[0]} : shape;
  }

  @Override
  public String typeName(String name) throws IOException {
    return stored.typeName(original(name));
  }

  @Override
  public boolean readsAsFloat(String name) throws IOException {
    return stored.readsAsFloat(original(name));
  }

  @Override
  public FloatTensor read(String name) throws IOException {
    String s = original(name);
    FloatTensor t = stored.read(s);
    return transposed.test(s) ? t.transposed() : t;
  }

  @Override
  public Map<String, String> metadata() {
    return stored.metadata();
  }

  @Override
  public IOException error(String problem) {
    return stored.error(problem);
  }

  @Override
  public void close() throws IOException {
    stored.close();
  }

  private String original(String name) throws IOException {
    String s = storedName.get(name);
    if (s == null) {
      throw stored.error("no tensor " + name);
    }
    return s;
  }
}
