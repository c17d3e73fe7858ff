package bert4j.runtime.model;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.io.DType;
import bert4j.runtime.io.SafeTensorsFormatException;
import bert4j.runtime.io.SafeTensorsReader;
import bert4j.runtime.io.SafeTensorsWriter;
import bert4j.runtime.text.KeepTokens;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Loads and saves a model's parameters as safetensors with Hugging Face BERT names. Loading accepts
 * each encoder name with or without the {@code bert.} prefix and the old {@code LayerNorm.gamma/beta}
 * spelling; it checks every name, shape and dtype before it changes anything, and names every missing
 * tensor.
 * With keep tokens (a simplified vocabulary, as bert4keras's {@code keep_tokens}) it loads only the
 * kept rows of the token embedding and the MLM bias.
 * Saving writes the encoder under {@code bert.} (as Hugging Face's task models do) and the heads
 * ({@code cls.*}, {@code classifier.*}) as they are.
 */
final class ModelWeights {
  private static final Logger LOG = Logger.getLogger(ModelWeights.class.getName());

  private ModelWeights() {}

  /** The parameters whose first dimension is the vocabulary: what keep tokens select rows of. */
  private static final Set<String> VOCABULARY_ROWS =
      Set.of("embeddings.word_embeddings.weight", "cls.predictions.bias");

  /**
   * Loads every parameter from {@code file}; with {@code keepTokens} (not null), the vocabulary-sized
   * tensors are read at the checkpoint's full vocabulary and only the kept rows are loaded.
   */
  static void load(GeneratedTransformer model, Path file, KeepTokens keepTokens) throws IOException {
    try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
      Map<ParameterInfo, String> found = new LinkedHashMap<>();
      List<String> missing = new ArrayList<>();
      for (ParameterInfo p : model.parameters()) {
        String name = candidates(p.name()).stream().filter(reader::contains).findFirst().orElse(null);
        if (name == null) {
          missing.add(p.name() + " " + p.shapeText());
          continue;
        }
        long[] shape = reader.info(name).shape();
        long[] expected = Arrays.stream(p.shape()).asLongStream().toArray();
        if (keepTokens != null && VOCABULARY_ROWS.contains(p.name()) && shape.length > 0) {
          expected[0] = shape[0];
        }
        if (!Arrays.equals(shape, expected)) {
          throw new SafeTensorsFormatException(file, "tensor " + name + " has shape "
              + Arrays.toString(shape) + ", " + model.specName() + " expects " + p.shapeText());
        }
        DType dtype = reader.info(name).dtype();
        if (!dtype.readableAsFloat()) {
          throw new SafeTensorsFormatException(file, "tensor " + name + " has dtype " + dtype
              + ", which cannot be read as float32 (readable: F32, F16, BF16, F64)");
        }
        found.put(p, name);
      }
      if (!missing.isEmpty()) {
        throw new SafeTensorsFormatException(file, "missing " + missing.size() + " tensor(s) "
            + model.specName() + " needs (each also looked for with the 'bert.' prefix): "
            + String.join(", ", missing.subList(0, Math.min(missing.size(), 12)))
            + (missing.size() > 12 ? ", ..." : ""));
      }
      Set<String> unused = new LinkedHashSet<>(reader.names());
      unused.removeAll(found.values());
      if (!unused.isEmpty()) {
        LOG.info("bert4j: " + file + " has " + unused.size() + " tensor(s) " + model.specName()
            + " does not use: " + unused);
      }
      for (Map.Entry<ParameterInfo, String> e : found.entrySet()) {
        String name = e.getKey().name();
        FloatTensor values = reader.read(e.getValue());
        if (keepTokens != null && VOCABULARY_ROWS.contains(name)) {
          values = keepTokens.apply(e.getValue(), values);
        }
        model.setParameter(name, values);
      }
    }
  }

  static void save(GeneratedTransformer model, Path file) throws IOException {
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    for (ParameterInfo p : model.parameters()) {
      tensors.put(savedName(p.name()), model.parameter(p.name()));
    }
    SafeTensorsWriter.write(file, tensors, Map.of("format", "pt", "bert4j.spec", model.specName()));
  }

  private static boolean isHead(String name) {
    return name.startsWith("cls.") || name.startsWith("classifier.");
  }

  private static String savedName(String name) {
    return isHead(name) ? name : "bert." + name;
  }

  private static List<String> candidates(String name) {
    List<String> names = new ArrayList<>();
    for (String spelling : spellings(name)) {
      names.add(spelling);
      if (!isHead(spelling)) {
        names.add("bert." + spelling);
      }
    }
    return names;
  }

  private static List<String> spellings(String name) {
    if (name.endsWith("LayerNorm.weight")) {
      return List.of(name, name.substring(0, name.length() - "weight".length()) + "gamma");
    }
    if (name.endsWith("LayerNorm.bias")) {
      return List.of(name, name.substring(0, name.length() - "bias".length()) + "beta");
    }
    return List.of(name);
  }
}
