package bert4j.tools.tffixtures;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.io.tf.TfCheckpointWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Constant;
import org.tensorflow.op.train.Restore;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * Writes the TensorFlow checkpoint fixtures of bert4j.runtime.io.tf with TensorFlow's own SaveV2 op (the
 * op behind {@code tf.train.Saver} and {@code Session.save}) and MergeV2Checkpoints, then has TensorFlow's
 * RestoreV2 read back checkpoints that bert4j's TfCheckpointWriter wrote, comparing every value bit for
 * bit. The argument is the fixtures directory; the report goes to standard output and the exit status is 1
 * when a read-back differs.
 */
public final class WriteFixtures {
  private static final long GLOBAL_STEP = 123_456_789_012L;

  /** One tensor for SaveV2: name, slice spec ("" for the whole tensor) and the constant that holds it. */
  private record Saved(String name, String slice, Function<Ops, Operand<?>> value) {
    static Saved whole(String name, Function<Ops, Operand<?>> value) {
      return new Saved(name, "", value);
    }
  }

  private WriteFixtures() {}

  public static void main(String[] args) throws IOException {
    Path fixtures = Path.of(args[0]).toAbsolutePath().normalize();
    System.out.println("TensorFlow " + TensorFlow.version() + " (TensorFlow Java "
        + System.getProperty("tensorflow.java.version") + "), writing to " + fixtures);
    save(fixtures.resolve("bert/bert_model.ckpt"), withGlobalStep(TinyModels.bert()));
    save(fixtures.resolve("albert/model.ckpt"), withGlobalStep(TinyModels.albert()));
    writeEdgeCases(fixtures.resolve("edge/edge.ckpt"));
    try (var files = Files.walk(fixtures)) {
      files.filter(Files::isRegularFile).sorted().forEach(f -> System.out.println("  " + fixtures.relativize(f)
          + " " + f.toFile().length() + " bytes"));
    }
    Path scratch = Files.createTempDirectory("bert4j-tf-readback");
    boolean ok = readBackBert(scratch, fixtures.resolve("bert"));
    ok &= readBackManyBlocks(scratch);
    deleteRecursively(scratch);
    System.out.println(ok ? "READ-BACK OK" : "READ-BACK FAILED");
    System.exit(ok ? 0 : 1);
  }

  private static List<Saved> withGlobalStep(List<TinyModels.Variable> variables) {
    List<Saved> saved = new ArrayList<>();
    for (TinyModels.Variable v : variables) {
      saved.add(Saved.whole(v.name(), tf -> tf.constant(Shape.of(v.shape()), DataBuffers.of(v.values()))));
    }
    saved.add(Saved.whole("global_step", tf -> tf.constant(GLOBAL_STEP)));
    saved.sort((a, b) -> a.name().compareTo(b.name()));
    return saved;
  }

  /**
   * Half, bfloat16, int32, int64, double, empty, string and partitioned tensors and a non-ASCII name, saved
   * as two bundles merged into one with two data shards, as a sharded {@code tf.train.Saver} does.
   */
  private static void writeEdgeCases(Path prefix) throws IOException {
    Path parts = Files.createTempDirectory("bert4j-tf-parts"); // MergeV2Checkpoints deletes it
    Path first = parts.resolve("part-0");
    Path second = parts.resolve("part-1");
    float[] halves = {0f, -0f, 1f, -2.5f, 65504f, 0x1p-24f, 0x1p-14f, Float.POSITIVE_INFINITY};
    float[] bfloats = {0f, 1f, -2.5f, 0x1p100f, 0x1p-130f, Float.NEGATIVE_INFINITY, 3.140625f};
    save(first, List.of(
        Saved.whole("edge/bfloat16", tf -> tf.constantOf(TBfloat16.tensorOf(Shape.of(7), DataBuffers.of(bfloats)))),
        Saved.whole("edge/half", tf -> tf.constantOf(TFloat16.tensorOf(Shape.of(2, 4), DataBuffers.of(halves)))),
        Saved.whole("edge/int32", tf -> tf.constant(Shape.of(3), DataBuffers.of(-7, 0, Integer.MAX_VALUE))),
        Saved.whole("global_step", tf -> tf.constant(GLOBAL_STEP))));
    save(second, List.of(
        Saved.whole("edge/double", tf -> tf.constant(Shape.of(3), DataBuffers.of(0.1, 1.0 / 3, -2.5))),
        Saved.whole("edge/empty", tf -> tf.constant(Shape.of(0, 3), DataBuffers.of(new float[0]))),
        Saved.whole("edge/float", tf -> tf.constant(Shape.of(2, 2), DataBuffers.of(1.5f, -0f, Float.MIN_VALUE,
            Float.MAX_VALUE))),
        new Saved("edge/partitioned", "4 3 0,2:-", tf -> tf.constant(Shape.of(2, 3),
            DataBuffers.of(0f, 1f, 2f, 3f, 4f, 5f))),
        new Saved("edge/partitioned", "4 3 2,2:-", tf -> tf.constant(Shape.of(2, 3),
            DataBuffers.of(6f, 7f, 8f, 9f, 10f, 11f))),
        Saved.whole("edge/string", tf -> tf.constant("hello")),
        Saved.whole("edge/strings", tf -> tf.constantOf(TString.vectorOf("a", "bc"))),
        Saved.whole("edge/\u540d\u5b57", tf -> tf.constant(Shape.of(1), DataBuffers.of(42f)))));
    Files.createDirectories(prefix.getParent());
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      session.run(tf.train.mergeV2Checkpoints(strings(tf, first.toString(), second.toString()),
          tf.constant(prefix.toString())));
    }
  }

  private static void save(Path prefix, List<Saved> tensors) throws IOException {
    Files.createDirectories(prefix.getParent());
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      List<Operand<?>> values = new ArrayList<>();
      for (Saved t : tensors) {
        values.add(t.value().apply(tf));
      }
      session.run(tf.train.save(tf.constant(prefix.toString()),
          strings(tf, tensors.stream().map(Saved::name).toArray(String[]::new)),
          strings(tf, tensors.stream().map(Saved::slice).toArray(String[]::new)), values));
    }
  }

  /**
   * Writes the tiny BERT and global_step with bert4j, checks that the files equal TensorFlow's byte for
   * byte, and restores every tensor with TensorFlow.
   */
  private static boolean readBackBert(Path scratch, Path tfWritten) throws IOException {
    Map<String, FloatTensor> floats = new LinkedHashMap<>();
    for (TinyModels.Variable v : TinyModels.bert()) {
      floats.put(v.name(), new FloatTensor(Arrays.stream(v.shape()).mapToInt(d -> (int) d).toArray(), v.values()));
    }
    Path prefix = scratch.resolve("bert/bert_model.ckpt");
    TfCheckpointWriter.write(prefix, floats, Map.of("global_step", GLOBAL_STEP));
    boolean identical = true;
    for (String suffix : List.of(".index", ".data-00000-of-00001")) {
      boolean same = Arrays.equals(Files.readAllBytes(Path.of(prefix + suffix)),
          Files.readAllBytes(tfWritten.resolve("bert_model.ckpt" + suffix)));
      System.out.println("bert4j's bert_model.ckpt" + suffix + " is " + (same ? "byte-identical to" : "DIFFERENT from")
          + " TensorFlow's for the same tensors");
      identical &= same;
    }
    return restoreAndCompare(prefix, floats, GLOBAL_STEP) && identical;
  }

  /** A checkpoint whose index spans several 256 KiB data blocks, written by bert4j, restored by TensorFlow. */
  private static boolean readBackManyBlocks(Path scratch) throws IOException {
    Map<String, FloatTensor> floats = new LinkedHashMap<>();
    for (int i = 0; i < 20_000; i++) {
      String name = String.format("many/tensor_%05d", i);
      floats.put(name, new FloatTensor(new int[] {2}, new float[] {TinyModels.value(name, 0), TinyModels.value(name, 1)}));
    }
    Path prefix = scratch.resolve("many/model.ckpt");
    TfCheckpointWriter.write(prefix, floats, Map.of("global_step", 7L));
    System.out.println("bert4j wrote " + floats.size() + " tensors with a " + Files.size(Path.of(prefix + ".index"))
        + "-byte index (TensorFlow's data blocks are 256 KiB)");
    return restoreAndCompare(prefix, floats, 7L);
  }

  /** Restores every tensor and global_step with RestoreV2, comparing bits; prints the outcome. */
  private static boolean restoreAndCompare(Path prefix, Map<String, FloatTensor> expected, long globalStep) {
    List<String> names = new ArrayList<>(expected.keySet());
    names.add("global_step");
    List<Class<? extends TType>> types = new ArrayList<>();
    names.forEach(n -> types.add(n.equals("global_step") ? TInt64.class : TFloat32.class));
    int mismatches = 0;
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Restore restore = tf.train.restore(tf.constant(prefix.toString()), strings(tf, names.toArray(String[]::new)),
          strings(tf, new String[names.size()]), types);
      Session.Runner runner = session.runner();
      restore.tensors().forEach(runner::fetch);
      try (Result result = runner.run()) {
        for (int i = 0; i < names.size(); i++) {
          String name = names.get(i);
          if (name.equals("global_step")) {
            long step = ((TInt64) result.get(i)).getLong();
            if (step != globalStep) {
              System.out.println("  global_step: TensorFlow read " + step + ", expected " + globalStep);
              mismatches++;
            }
            continue;
          }
          TFloat32 tensor = (TFloat32) result.get(i);
          FloatTensor want = expected.get(name);
          float[] got = new float[want.data().length];
          tensor.copyTo(DataBuffers.of(got, false, false));
          boolean shapeOk = Arrays.equals(tensor.shape().asArray(),
              Arrays.stream(want.shape()).asLongStream().toArray());
          boolean valuesOk = Arrays.equals(floatBits(got), floatBits(want.data()));
          if (!shapeOk || !valuesOk) {
            System.out.println("  " + name + ": TensorFlow read shape " + tensor.shape() + " values "
                + Arrays.toString(got) + ", expected " + Arrays.toString(want.shape()));
            mismatches++;
          }
        }
      }
    }
    System.out.println("TensorFlow RestoreV2 read " + names.size() + " tensors of " + prefix + " (written by bert4j): "
        + (mismatches == 0 ? "all bit-equal to what bert4j wrote" : mismatches + " differ"));
    return mismatches == 0;
  }

  private static int[] floatBits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  private static void deleteRecursively(Path directory) throws IOException {
    try (var files = Files.walk(directory)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static Constant<TString> strings(Ops tf, String... values) {
    String[] nonNull = Arrays.stream(values).map(v -> v == null ? "" : v).toArray(String[]::new);
    return tf.constant(Shape.of(nonNull.length), DataBuffers.ofObjects(nonNull));
  }
}
