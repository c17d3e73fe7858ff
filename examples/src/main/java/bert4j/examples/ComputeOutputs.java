package bert4j.examples;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.Outputs;
import bert4j.runtime.TransformerModel;
import bert4j.runtime.io.SafeTensorsWriter;
import bert4j.runtime.kernels.Kernels;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The verification CLI: runs any compiled bert4j spec on given weights and inputs and writes its
 * outputs, so a user can pin a spec's outputs in their own CI.
 *
 * <pre>
 * ComputeOutputs SPEC WEIGHTS.safetensors INPUT.json OUTPUTS.safetensors
 * </pre>
 *
 * SPEC is the spec interface's (or its generated {@code Impl} class's) qualified name; INPUT.json is
 * {@code {"token_ids": [[...]], "segment_ids": [[...]]}}; the outputs file holds
 * {@code sequence_output} and, where the spec has them, {@code pooled_output}, {@code mlm_logits} and
 * {@code class_logits}.
 */
public final class ComputeOutputs {
  private ComputeOutputs() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      System.err.println("usage: ComputeOutputs SPEC WEIGHTS.safetensors INPUT.json OUTPUTS.safetensors");
      System.exit(2);
    }
    try {
      Map<String, FloatTensor> outputs =
          run(args[0], Path.of(args[1]), Path.of(args[2]));
      SafeTensorsWriter.write(Path.of(args[3]), outputs, Map.of("bert4j.spec", args[0]));
      System.out.println("wrote " + outputs.keySet() + " to " + args[3]);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(1);
    }
  }

  /** Loads the spec's model with {@code weights}, runs {@code input} and returns the outputs by name. */
  public static Map<String, FloatTensor> run(String spec, Path weights, Path input) throws IOException {
    Batch batch = readInput(input);
    try (Kernels kernels = Backend.auto();
        TransformerModel model = create(spec, kernels, batch.size(), batch.length())) {
      model.load(weights);
      Outputs outputs = model.forward(batch);
      return outputs.asMap();
    }
  }

  /** Reads {@code {"token_ids": [[...]], "segment_ids": [[...]]}}. */
  static Batch readInput(Path input) throws IOException {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readAllBytes(input));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(input + " is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(input + " must hold a JSON object with token_ids and segment_ids");
    }
    int[][] tokens = matrix(root, "token_ids", input);
    int[][] segments = root.has("segment_ids") ? matrix(root, "segment_ids", input)
        : new int[tokens.length][tokens.length == 0 ? 0 : tokens[0].length];
    if (tokens.length == 0) {
      throw new IllegalArgumentException(input + ": token_ids is empty");
    }
    return Batch.of(tokens, segments);
  }

  private static int[][] matrix(JsonNode root, String field, Path input) {
    JsonNode rows = root.get(field);
    if (rows == null || !rows.isArray()) {
      throw new IllegalArgumentException(input + ": " + field + " must be an array of arrays of ints");
    }
    int[][] matrix = new int[rows.size()][];
    for (int r = 0; r < rows.size(); r++) {
      JsonNode row = rows.get(r);
      if (!row.isArray()) {
        throw new IllegalArgumentException(input + ": " + field + "[" + r + "] is not an array");
      }
      matrix[r] = new int[row.size()];
      for (int i = 0; i < row.size(); i++) {
        if (!row.get(i).canConvertToInt()) {
          throw new IllegalArgumentException(input + ": " + field + "[" + r + "][" + i + "] = "
              + row.get(i) + " is not an int");
        }
        matrix[r][i] = row.get(i).asInt();
      }
    }
    return matrix;
  }

  /** Calls the generated {@code create(Kernels, int, int)} of the spec's Impl class. */
  static TransformerModel create(String spec, Kernels kernels, int maxBatch, int maxLength) {
    String implName = spec.endsWith("Impl") ? spec : spec + "Impl";
    try {
      Class<?> impl = Class.forName(implName);
      Method create = impl.getMethod("create", Kernels.class, int.class, int.class);
      return (TransformerModel) create.invoke(null, kernels, maxBatch, maxLength);
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("no generated model " + implName
          + " on the classpath: is " + spec + " a @Transformer interface compiled with bert4j?");
    } catch (NoSuchMethodException | IllegalAccessException | ClassCastException e) {
      throw new IllegalArgumentException(implName + " is not a bert4j generated model: " + e);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
