package bert4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.ComputeOutputs;
import bert4j.examples.specs.TinyUnilmImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.io.SafeTensorsReader;
import bert4j.runtime.io.SafeTensorsWriter;
import bert4j.runtime.kernels.Kernels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every failure of the command line is one {@code error:} line on stderr naming the file or value at
 * fault, with no stack trace, and an exit status that tells usage (2), input (1) and internal (3) errors
 * apart; the input JSON is read strictly.
 */
class ComputeOutputsCommandLineTest {
  private static final String SPEC = "bert4j.examples.specs.TinyUnilm";

  @TempDir
  static Path dir;
  private static Path weights;
  private static Path input;

  @BeforeAll
  static void saveWeightsAndInput() throws IOException {
    weights = dir.resolve("weights.safetensors");
    try (Kernels kernels = Backend.cpu();
        TinyUnilmImpl model = TinyUnilmImpl.create(kernels, 1, 3)) {
      model.initialize(5);
      model.save(weights);
    }
    input = json("input.json", "{\"token_ids\": [[2, 9, 14]], \"segment_ids\": [[0, 0, 1]]}");
  }

  private static Path json(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  private record Result(int status, String out, String err) {}

  private static Result execute(Object... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = ComputeOutputs.execute(Arrays.stream(args).map(Object::toString).toArray(String[]::new),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(status, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  /** Runs {@code args}, expecting {@code status} and one error line that contains each of {@code named}. */
  private static void fails(int status, String[] named, Object... args) {
    Result result = execute(args);
    String err = result.err();
    assertEquals(status, result.status(), err);
    assertTrue(err.startsWith("error: "), err);
    assertEquals(1, err.lines().count(), "one line: " + err);
    assertFalse(err.contains("\tat "), "no stack trace: " + err);
    for (String name : named) {
      assertTrue(err.contains(name), "'" + name + "' in: " + err);
    }
    assertEquals("", result.out());
  }

  private static void inputError(String named, Object... args) {
    fails(ComputeOutputs.INPUT_ERROR, new String[] {named}, args);
  }

  @Test
  void writesTheOutputsAndExitsZero() throws IOException {
    Path outputs = dir.resolve("ok.safetensors");
    Result result = execute(SPEC, weights, input, outputs);
    assertEquals(0, result.status(), result.err());
    assertEquals("", result.err());
    assertTrue(result.out().startsWith("wrote [sequence_output"), result.out());
    try (SafeTensorsReader reader = SafeTensorsReader.open(outputs)) {
      assertTrue(reader.names().contains("mlm_logits"));
    }
  }

  @Test
  void aWrongNumberOfArgumentsIsUsage() {
    fails(ComputeOutputs.USAGE_ERROR, new String[] {"got 0", "usage: ComputeOutputs SPEC"});
    fails(ComputeOutputs.USAGE_ERROR, new String[] {"got 3"}, SPEC, weights, input);
  }

  @Test
  void badWeightsFilesAreNamed() throws IOException {
    Path out = dir.resolve("out.safetensors");
    inputError("missing.safetensors: no such file", SPEC, dir.resolve("missing.safetensors"), input, out);
    inputError("is a directory", SPEC, dir, input, out);

    byte[] bytes = Files.readAllBytes(weights);
    Path truncated = dir.resolve("truncated.safetensors");
    Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
    inputError("truncated.safetensors", SPEC, truncated, input, out);
    Files.write(truncated, Arrays.copyOf(bytes, 5));
    inputError("truncated.safetensors", SPEC, truncated, input, out);
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void weightsOfTheWrongShapeAreNamed() throws IOException {
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    try (SafeTensorsReader reader = SafeTensorsReader.open(weights)) {
      for (String name : reader.names()) {
        tensors.put(name, reader.read(name));
      }
    }
    tensors.put("bert.embeddings.word_embeddings.weight", new FloatTensor(new int[] {3, 2},
        new float[6]));
    Path wrong = dir.resolve("wrong-shape.safetensors");
    SafeTensorsWriter.write(wrong, tensors, Map.of());
    fails(ComputeOutputs.INPUT_ERROR, new String[] {"wrong-shape.safetensors", "word_embeddings",
        "[3, 2]"}, SPEC, wrong, input, dir.resolve("out.safetensors"));
  }

  @Test
  void aMissingOrDirectoryInputIsNamed() {
    Path out = dir.resolve("out.safetensors");
    inputError("missing.json: no such file", SPEC, weights, dir.resolve("missing.json"), out);
    inputError("is a directory", SPEC, weights, dir, out);
  }

  @Test
  void anUnwritableOutputPathIsNamedBeforeAnyWork() throws IOException {
    inputError("is a directory", SPEC, weights, input, dir);
    inputError("no directory", SPEC, weights, input, dir.resolve("no/such/dir/out.safetensors"));
    Path file = Files.writeString(dir.resolve("a-file"), "");
    inputError("a-file", SPEC, weights, input, file.resolve("out.safetensors"));
  }

  @Test
  void anUnknownSpecIsNamed() {
    inputError("com.acme.NoSuchSpecImpl", "com.acme.NoSuchSpec", weights, input,
        dir.resolve("out.safetensors"));
  }

  @Test
  void valuesTheModelRejectsNameTheInput() throws IOException {
    Path out = dir.resolve("out.safetensors");
    fails(ComputeOutputs.INPUT_ERROR, new String[] {"big-id.json", "999"}, SPEC, weights,
        json("big-id.json", "{\"token_ids\": [[2, 999, 3]]}"), out);
    fails(ComputeOutputs.INPUT_ERROR, new String[] {"too-long.json", "17 tokens"}, SPEC, weights,
        json("too-long.json", "{\"token_ids\": [" + Arrays.toString(new int[17]) + "]}"), out);
  }

  @Test
  void anInternalErrorIsOneLineWithItsOwnStatus() {
    fails(ComputeOutputs.INTERNAL_ERROR, new String[] {"internal error",
        "IllegalStateException: simulated bug second line"}, BrokenSpecImpl.class.getName(), weights,
        input, dir.resolve("out.safetensors"));
  }

  static Stream<Arguments> malformedInputs() {
    return Stream.of(
        Arguments.of("{\"token_ids\": [[2, 1.5, 3]]}", "token_ids[0][1] is 1.5"),
        Arguments.of("{\"token_ids\": [[2, 1e3, 3]]}", "token_ids[0][1]"),
        Arguments.of("{\"token_ids\": [[2, \"3\", 3]]}", "token_ids[0][1] is \"3\", not an integer"),
        Arguments.of("{\"token_ids\": [[2, true, 3]]}", "token_ids[0][1] is true"),
        Arguments.of("{\"token_ids\": [[2, null, 3]]}", "token_ids[0][1] is null"),
        Arguments.of("{\"token_ids\": [[2, 3000000000, 3]]}", "outside the int range"),
        Arguments.of("{\"token_ids\": [[2, 3]], \"segment_ids\": [[0, 0.5]]}", "segment_ids[0][1]"),
        Arguments.of("{\"token_ids\": [[2, 3]]} x", "data after the JSON object"),
        Arguments.of("{\"token_ids\": [[2, 3]]} {}", "data after the JSON object"),
        Arguments.of("{\"token_ids\": [[2, 3]], \"token_ids\": [[2, 4]]}", "Duplicate field 'token_ids'"),
        Arguments.of("{\"token_ids\": [[2, 3]], \"labels\": [1]}", "unknown key \"labels\""),
        Arguments.of("{\"segment_ids\": [[0]]}", "token_ids is missing"),
        Arguments.of("{\"token_ids\": []}", "token_ids must be a non-empty array"),
        Arguments.of("{\"token_ids\": [[2, 3], [2]]}", "token_ids[1] has 1 ids"),
        Arguments.of("{\"token_ids\": [[2, 3]], \"segment_ids\": [[0, 0], [0, 0]]}",
            "segment_ids has 2 rows"),
        Arguments.of("{\"token_ids\": [[2, 3]], \"segment_ids\": [[0]]}", "segment_ids rows have 1"),
        Arguments.of("{\"token_ids\": [[2, 9", "ends inside a value"),
        Arguments.of("", "found nothing"),
        Arguments.of("[[2, 3]]", "must hold one JSON object"));
  }

  @ParameterizedTest
  @MethodSource("malformedInputs")
  void inputIsStrictJson(String text, String named) throws IOException {
    Path bad = json("bad.json", text);
    fails(ComputeOutputs.INPUT_ERROR, new String[] {"bad.json", named}, SPEC, weights, bad,
        dir.resolve("out.safetensors"));
  }
}
