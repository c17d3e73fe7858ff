package bert4j.runtime.model;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.io.DType;
import bert4j.runtime.io.SafeTensorsFormatException;
import bert4j.runtime.io.SafeTensorsReader;
import bert4j.runtime.io.SafeTensorsWriter;
import bert4j.runtime.optim.StateTensor;
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
 *
 * <p>A trained model's file also holds its optimizer state: one tensor per parameter and slot, named
 * {@code optimizer.<slot>.<parameter>} (slots {@code m}, {@code v}, {@code velocity}, {@code v_row},
 * {@code v_col}, {@code slow}, {@code ema}, {@code accumulated}), and in the metadata the optimizer's
 * description and step counters; loading it into a model with the same optimizer resumes training
 * exactly.
 */
final class ModelWeights {
  private static final Logger LOG = Logger.getLogger(ModelWeights.class.getName());
  /** Names of optimizer state tensors start with this ({@code optimizer.m.<parameter>}, ...). */
  static final String STATE_PREFIX = "optimizer.";
  /** Metadata: the optimizer's {@code describe()} the state belongs to. */
  static final String OPTIMIZER = "bert4j.optimizer";
  /** Metadata: training steps taken. */
  static final String STEPS = "bert4j.optimizer.steps";
  /** Metadata: updates made (steps / accumulation; informative). */
  static final String UPDATES = "bert4j.optimizer.updates";
  /** Metadata: the learning rate of the last update. */
  static final String LEARNING_RATE = "bert4j.optimizer.learning_rate";
  /** Metadata: the dropout seed and the number of training calls drawn from it. */
  static final String DROPOUT_SEED = "bert4j.dropout.seed";
  static final String DROPOUT_CALLS = "bert4j.dropout.calls";

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
      // a simplified vocabulary starts a new run: only a checkpoint of this very model resumes
      Map<StateTensor, String> state = keepTokens == null ? optimizerState(model, reader, file) : null;
      Set<String> unused = new LinkedHashSet<>(reader.names());
      unused.removeAll(found.values());
      unused.removeIf(n -> n.startsWith(STATE_PREFIX));
      if (!unused.isEmpty()) {
        LOG.info("bert4j: " + file + " has " + unused.size() + " tensor(s) " + model.specName()
            + " does not use: " + unused);
      }
      model.forgetEma();
      for (Map.Entry<ParameterInfo, String> e : found.entrySet()) {
        String name = e.getKey().name();
        FloatTensor values = reader.read(e.getValue());
        if (keepTokens != null && VOCABULARY_ROWS.contains(name)) {
          values = keepTokens.apply(e.getValue(), values);
        }
        model.setParameter(name, values);
      }
      model.resetOptimizer();
      if (state != null) {
        for (Map.Entry<StateTensor, String> e : state.entrySet()) {
          model.setOptimizerState(e.getKey(), reader.read(e.getValue(), e.getKey().shape()));
        }
        Map<String, String> meta = reader.metadata();
        model.resumeAt(Long.parseLong(meta.get(STEPS)), Double.parseDouble(meta.get(LEARNING_RATE)));
        if (meta.containsKey(DROPOUT_SEED) && meta.containsKey(DROPOUT_CALLS)) {
          model.resumeDropout(Long.parseLong(meta.get(DROPOUT_SEED)),
              Long.parseLong(meta.get(DROPOUT_CALLS)));
        }
      }
    }
  }

  /**
   * The optimizer state tensors of {@code file} to load, each with its name there; null when the file
   * has no state, or state of a different optimizer (logged). Checks every name and shape.
   */
  private static Map<StateTensor, String> optimizerState(GeneratedTransformer model,
      SafeTensorsReader reader, Path file) throws IOException {
    Map<String, String> meta = reader.metadata();
    String saved = meta.get(OPTIMIZER);
    if (saved == null || !meta.containsKey(STEPS)) {
      return null;
    }
    String ours = model.optimizer().program().describe();
    if (!saved.equals(ours)) {
      LOG.info("bert4j: " + file + " holds optimizer state for " + saved + "; " + model.specName()
          + " trains with " + ours + ", so its optimizer starts fresh");
      return null;
    }
    try {
      Long.parseLong(meta.get(STEPS));
      Double.parseDouble(meta.getOrDefault(LEARNING_RATE, ""));
    } catch (NumberFormatException e) {
      throw new SafeTensorsFormatException(file, "metadata " + STEPS + "=" + meta.get(STEPS) + ", "
          + LEARNING_RATE + "=" + meta.get(LEARNING_RATE) + " are not numbers");
    }
    Map<StateTensor, String> found = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (StateTensor t : model.optimizer().stateTensors()) {
      if (!reader.contains(t.name())) {
        missing.add(t.name() + " " + Arrays.toString(t.shape()));
        continue;
      }
      long[] shape = reader.info(t.name()).shape();
      if (!Arrays.equals(shape, Arrays.stream(t.shape()).asLongStream().toArray())) {
        throw new SafeTensorsFormatException(file, "optimizer state " + t.name() + " has shape "
            + Arrays.toString(shape) + ", " + model.specName() + " expects "
            + Arrays.toString(t.shape()));
      }
      found.put(t, t.name());
    }
    if (!missing.isEmpty()) {
      throw new SafeTensorsFormatException(file, "its metadata says it holds the state of " + saved
          + ", but " + missing.size() + " state tensor(s) are missing: "
          + String.join(", ", missing.subList(0, Math.min(missing.size(), 12)))
          + (missing.size() > 12 ? ", ..." : ""));
    }
    return found;
  }

  static void save(GeneratedTransformer model, Path file) throws IOException {
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    for (ParameterInfo p : model.parameters()) {
      tensors.put(savedName(p.name()), model.parameter(p.name()));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.put("bert4j.spec", model.specName());
    if (model.trainingSteps() > 0) {
      for (StateTensor t : model.optimizer().stateTensors()) {
        tensors.put(t.name(), model.optimizerState(t.name()));
      }
      meta.put(OPTIMIZER, model.optimizer().program().describe());
      meta.put(STEPS, Long.toString(model.trainingSteps()));
      meta.put(UPDATES, Long.toString(model.updates()));
      meta.put(LEARNING_RATE, Double.toString(model.lastLearningRate()));
      meta.put(DROPOUT_SEED, Long.toString(model.dropoutSeed()));
      meta.put(DROPOUT_CALLS, Long.toString(model.dropoutCalls()));
    }
    SafeTensorsWriter.write(file, tensors, meta);
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
