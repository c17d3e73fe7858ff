package bert4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.ComputeOutputs;
import bert4j.examples.InputException;
import bert4j.examples.specs.TinyUnilmImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.io.SafeTensorsReader;
import bert4j.runtime.kernels.Kernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verification CLI: for a compiled spec, weights and a JSON input it writes exactly the outputs
 * the model computes, under the documented names, and bad input fails with a message that says what
 * is wrong.
 */
class ComputeOutputsTest {
  private static final String SPEC = "bert4j.examples.specs.TinyUnilm";
  private static final int[][] TOKENS = {{2, 9, 14, 33, 5, 0}, {2, 7, 8, 41, 0, 0}};
  private static final int[][] SEGMENTS = {{0, 0, 0, 1, 1, 0}, {0, 0, 1, 1, 0, 0}};

  @TempDir
  Path dir;

  @Test
  void writesWhatTheModelComputes() throws IOException {
    Path weights = dir.resolve("weights.safetensors");
    Map<String, FloatTensor> expected;
    try (Kernels kernels = Backend.cpu();
        TinyUnilmImpl model = TinyUnilmImpl.create(kernels, 2, 6)) {
      model.initialize(5);
      model.save(weights);
      expected = model.forward(Batch.of(TOKENS, SEGMENTS)).asMap();
    }
    Path input = dir.resolve("input.json");
    Files.writeString(input, "{\"token_ids\": [[2, 9, 14, 33, 5, 0], [2, 7, 8, 41, 0, 0]],"
        + " \"segment_ids\": [[0, 0, 0, 1, 1, 0], [0, 0, 1, 1, 0, 0]]}");
    Path outputs = dir.resolve("outputs.safetensors");

    assertEquals(0, ComputeOutputs.execute(new String[] {SPEC, weights.toString(), input.toString(),
        outputs.toString()}, System.out, System.err));

    try (SafeTensorsReader reader = SafeTensorsReader.open(outputs)) {
      assertEquals(List.of("sequence_output", "pooled_output", "mlm_logits", "class_logits"),
          reader.names());
      for (Map.Entry<String, FloatTensor> e : expected.entrySet()) {
        FloatTensor written = reader.read(e.getKey());
        assertArrayEquals(e.getValue().shape(), written.shape(), e.getKey());
        assertArrayEquals(e.getValue().data(), written.data(), e.getKey());
      }
    }
  }

  @Test
  void acceptsTheImplClassNameToo() throws IOException, InputException {
    Path weights = dir.resolve("weights.safetensors");
    try (Kernels kernels = Backend.cpu();
        TinyUnilmImpl model = TinyUnilmImpl.create(kernels, 1, 3)) {
      model.save(weights);
    }
    Path input = dir.resolve("input.json");
    Files.writeString(input, "{\"token_ids\": [[2, 9, 14]]}");
    Map<String, FloatTensor> outputs = ComputeOutputs.run(SPEC + "Impl", weights, input);
    assertArrayEquals(new int[] {1, 3, 32}, outputs.get("sequence_output").shape());
  }

  @Test
  void malformedInputIsNamed() throws IOException {
    Path input = dir.resolve("input.json");
    Files.writeString(input, "{\"token_ids\": [[2, 9, \"x\"]]}");
    InputException notAnInt = assertThrows(InputException.class,
        () -> ComputeOutputs.run(SPEC, dir.resolve("w.safetensors"), input));
    assertTrue(notAnInt.getMessage().contains("token_ids[0][2]"), notAnInt.getMessage());

    Files.writeString(input, "{\"token_ids\": [[2, 9");
    InputException notJson = assertThrows(InputException.class,
        () -> ComputeOutputs.run(SPEC, dir.resolve("w.safetensors"), input));
    assertTrue(notJson.getMessage().contains("is not valid JSON"), notJson.getMessage());

    Files.writeString(input, "{\"segment_ids\": [[0]]}");
    InputException missing = assertThrows(InputException.class,
        () -> ComputeOutputs.run(SPEC, dir.resolve("w.safetensors"), input));
    assertTrue(missing.getMessage().contains("token_ids is missing"), missing.getMessage());
  }

  @Test
  void anUnknownSpecIsNamed() throws IOException {
    Path input = dir.resolve("input.json");
    Files.writeString(input, "{\"token_ids\": [[2, 9]]}");
    InputException e = assertThrows(InputException.class,
        () -> ComputeOutputs.run("com.acme.NoSuchSpec", dir.resolve("w.safetensors"), input));
    assertTrue(e.getMessage().contains("no generated model com.acme.NoSuchSpecImpl"), e.getMessage());
  }
}
