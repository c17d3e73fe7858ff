package bert4j.runtime.model;

import bert4j.dsl.Architecture;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.LoadOptions;
import bert4j.runtime.LoadReport;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.config.HfConfig;
import bert4j.runtime.io.Checkpoints;
import bert4j.runtime.io.NonFinite;
import bert4j.runtime.io.RenamedSource;
import bert4j.runtime.io.SafeTensorsWriter;
import bert4j.runtime.io.TensorSource;
import bert4j.runtime.io.tf.TfCheckpointReader;
import bert4j.runtime.io.tf.TfCheckpointWriter;
import bert4j.runtime.optim.StateTensor;
import bert4j.runtime.text.KeepTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Loads and saves a model's parameters as safetensors with Hugging Face names. Loading accepts
 * each encoder name with or without the architecture's encoder prefix ({@code bert.}, ...), the old
 * {@code LayerNorm.gamma/beta} spelling and GPT's {@code [in, out]} Conv1D layout
 * ({@link CheckpointNames}), and names every missing tensor.
 * With keep tokens (a simplified vocabulary, as bert4keras's {@code keep_tokens}) it loads only the
 * kept rows of the token embedding and the MLM bias.
 * Saving writes the encoder under that prefix (as Hugging Face's task models do; none for GPT and
 * GPT-2) and the heads ({@code cls.*}, {@code classifier.*}, ...) as they are.
 *
 * <p>A trained model's file also holds its optimizer state: one tensor per parameter and slot, named
 * {@code optimizer.<slot>.<parameter>} (slots {@code m}, {@code v}, {@code velocity}, {@code v_row},
 * {@code v_col}, {@code slow}, {@code ema}, {@code accumulated}), and in the metadata the optimizer's
 * description and step counters; loading it into a model with the same optimizer resumes training
 * exactly. A model created for inference loads the weights and leaves the state, and saves its
 * weights alone (it never trains).
 *
 * <p>A load is all or nothing: it checks every name, shape, dtype and metadata value it uses, reads
 * every value into the heap (one float32 copy of what it loads) and checks those, and only then writes
 * the model; a load that fails leaves the parameters, the optimizer state and the counters as they were.
 * A model created for inference reads the file twice instead, checking every value in the first pass
 * and writing in the second, so that it never holds more than one tensor on the heap; only a file
 * that changes or fails between the passes leaves it partly loaded.
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
  /** How many tensors an error names before it only counts the rest. */
  private static final int NAMED = 5;

  private ModelWeights() {}

  /** The parameters whose first dimension is the vocabulary: what keep tokens select rows of. */
  private static final Set<String> VOCABULARY_ROWS = Set.of("embeddings.word_embeddings.weight",
      "cls.predictions.bias", "predictions.bias", "wte.weight", "tokens_embed.weight");

  /**
   * Loads the parameters from {@code file} as {@code options} say: with keep tokens (not null), the
   * vocabulary-sized tensors are read at the checkpoint's full vocabulary and only the kept rows are
   * loaded; with {@link NonFinite#REJECT}, a NaN or infinite value in any loaded tensor fails the load;
   * a head the checkpoint lacks keeps its initialisation unless the load is strict.
   */
  static LoadReport load(GeneratedTransformer model, Path file, LoadOptions options)
      throws IOException {
    if (file == null) {
      throw new IllegalArgumentException("the weights file to load must not be null");
    }
    model.enter("load");
    try (TensorSource source = forModel(model, Checkpoints.open(file))) {
      if (Files.isDirectory(file)) {
        checkConfig(model, file);
      }
      LoadReport report = checkReadApply(model, source, options);
      LOG.info("bert4j: " + report.summary());
      return report;
    } finally {
      model.exit();
    }
  }

  /** {@code source} as the model names its tensors: a TensorFlow checkpoint's names mapped. */
  private static TensorSource forModel(GeneratedTransformer model, TensorSource source)
      throws IOException {
    if (!(source instanceof TfCheckpointReader)) {
      return source;
    }
    Architecture a = model.layout().architecture();
    boolean albert = a == Architecture.ALBERT || a == Architecture.ALBERT_UNSHARED;
    return new RenamedSource(source, n -> TfNames.huggingFace(n, albert), TfNames::isKernel);
  }

  /**
   * A checkpoint directory's config ({@code config.json}, {@code bert_config.json}) against the
   * compiled spec: every setting that differs, named, fails the load.
   */
  private static void checkConfig(GeneratedTransformer model, Path directory) throws IOException {
    Optional<Path> config = Checkpoints.config(directory);
    if (config.isEmpty()) {
      return;
    }
    List<String> differences = HfConfig.read(config.get()).differences(model.layout().config());
    if (!differences.isEmpty()) {
      throw new IOException(directory + " holds another model than " + model.specName() + ": "
          + String.join("; ", differences));
    }
  }

  /** The load itself, while the model is held against {@code close}: check, read, then write. */
  private static LoadReport checkReadApply(GeneratedTransformer model, TensorSource source,
      LoadOptions options) throws IOException {
    KeepTokens keepTokens = options.keepTokens();
    Map<ParameterInfo, FloatTensor> parameters = new LinkedHashMap<>();
    Map<StateTensor, FloatTensor> state = null;
    Counters counters = null;
    List<String> initialised = new ArrayList<>();
    Map<ParameterInfo, String> found = parameterNames(model, source, keepTokens, options.strict(),
        initialised);
    // a simplified vocabulary starts a new run: only a checkpoint of this very model resumes; a
    // model created for inference has no optimizer state to resume and loads the weights alone
    Map<StateTensor, String> stateNames = keepTokens == null && !model.inferenceOnly()
        ? optimizerState(model, source) : null;
    if (stateNames != null) {
      counters = counters(source.metadata(), source);
    }
    Set<String> unused = new LinkedHashSet<>(source.names());
    unused.removeAll(found.values());
    unused.removeIf(n -> n.startsWith(STATE_PREFIX));
    if (options.strict() && !unused.isEmpty()) {
      throw source.error(unused.size() + " tensor(s) " + model.specName() + " does not use (a strict "
          + "load uses every tensor): " + first(List.copyOf(unused)));
    }
    if (model.inferenceOnly()) {
      return streamParameters(model, source, found, options, initialised, unused);
    }
    Map<String, FloatTensor> read = new LinkedHashMap<>();
    for (Map.Entry<ParameterInfo, String> e : found.entrySet()) {
      FloatTensor values = parameterValues(model, source, e.getKey(), e.getValue(), keepTokens);
      parameters.put(e.getKey(), values);
      read.put(e.getValue(), values);
    }
    if (stateNames != null) {
      state = new LinkedHashMap<>();
      for (Map.Entry<StateTensor, String> e : stateNames.entrySet()) {
        FloatTensor values = source.read(e.getValue());
        state.put(e.getKey(), values);
        read.put(e.getValue(), values);
      }
    }
    String nonFiniteTensors = nonFiniteTensors(read);
    if (options.nonFinite() == NonFinite.REJECT && nonFiniteTensors != null) {
      throw source.error("NaN or infinity in " + nonFiniteTensors
          + "; load(path, NonFinite.ALLOW) loads them anyway");
    }
    model.forgetEma();
    for (Map.Entry<ParameterInfo, FloatTensor> e : parameters.entrySet()) {
      model.setParameter(e.getKey().name(), e.getValue());
    }
    model.resetOptimizer();
    if (state != null) {
      for (Map.Entry<StateTensor, FloatTensor> e : state.entrySet()) {
        model.setOptimizerState(e.getKey(), e.getValue());
      }
      model.resumeAt(counters.steps(), counters.learningRate());
      if (counters.dropout()) {
        model.resumeDropout(counters.dropoutSeed(), counters.dropoutCalls());
      }
    }
    return new LoadReport(source.path(), found.keySet().stream().map(ParameterInfo::name).toList(),
        initialised, List.copyOf(unused));
  }

  /**
   * The load of a model created for inference, which has no optimizer state, in two passes that
   * keep one tensor at a time on the heap rather than the whole checkpoint (its peak memory is the
   * point of such a model): the first reads every tensor and checks its values, the second reads
   * each again and writes it. Only a file that changes or fails between the passes can leave the
   * parameters partly loaded, and the error says so.
   */
  private static LoadReport streamParameters(GeneratedTransformer model, TensorSource source,
      Map<ParameterInfo, String> found, LoadOptions options, List<String> initialised,
      Set<String> unused) throws IOException {
    Map<String, FloatTensor> nonFinite = new LinkedHashMap<>();
    for (Map.Entry<ParameterInfo, String> e : found.entrySet()) {
      FloatTensor values = parameterValues(model, source, e.getKey(), e.getValue(),
          options.keepTokens());
      if (options.nonFinite() == NonFinite.REJECT
          && nonFiniteTensors(Map.of(e.getValue(), values)) != null) {
        nonFinite.put(e.getValue(), values);
      }
    }
    if (!nonFinite.isEmpty()) {
      throw source.error("NaN or infinity in " + nonFiniteTensors(nonFinite)
          + "; load(path, NonFinite.ALLOW) loads them anyway");
    }
    try {
      for (Map.Entry<ParameterInfo, String> e : found.entrySet()) {
        model.setParameter(e.getKey().name(), parameterValues(model, source, e.getKey(),
            e.getValue(), options.keepTokens()));
      }
    } catch (IOException e) {
      throw new IOException(source.path() + " failed while its checked tensors were written, "
          + "so " + model.specName() + "'s parameters are partly loaded: " + e.getMessage(), e);
    }
    return new LoadReport(source.path(), found.keySet().stream().map(ParameterInfo::name).toList(),
        initialised, List.copyOf(unused));
  }

  /** A parameter's values as stored under {@code name}, in the model's layout and kept rows. */
  private static FloatTensor parameterValues(GeneratedTransformer model, TensorSource source,
      ParameterInfo parameter, String name, KeepTokens keepTokens) throws IOException {
    FloatTensor values = names(model).fromStored(parameter.name(), source.read(name));
    if (keepTokens != null && VOCABULARY_ROWS.contains(parameter.name())) {
      values = keepTokens.apply(name, values);
    }
    return values;
  }

  /**
   * The name in {@code source} of every parameter of the model it holds, checked: of the model's
   * shape (the vocabulary rows aside, with keep tokens: those only need every kept id) and readable as
   * float32. A missing head goes into {@code initialised} (an error when strict); a missing encoder
   * tensor is an error.
   */
  private static Map<ParameterInfo, String> parameterNames(GeneratedTransformer model,
      TensorSource source, KeepTokens keepTokens, boolean strict, List<String> initialised)
      throws IOException {
    Map<ParameterInfo, String> found = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    List<ParameterInfo> missingHeads = new ArrayList<>();
    for (ParameterInfo p : model.parameters()) {
      String name = names(model).candidates(p.name()).stream().filter(source::contains).findFirst()
          .orElse(null);
      if (name == null) {
        if (CheckpointNames.isHead(p.name()) || p.name().startsWith("pooler.")) {
          missingHeads.add(p);
        } else {
          missing.add(p.name() + " " + p.shapeText());
        }
        continue;
      }
      long[] shape = source.shape(name);
      long[] expected = Arrays.stream(names(model).storedShape(p.name(), p.shape())).asLongStream()
          .toArray();
      if (keepTokens != null && VOCABULARY_ROWS.contains(p.name())) {
        if (keepTokens.size() != p.shape()[0]) {
          throw new IllegalArgumentException("keepTokens keeps " + keepTokens.size() + " tokens, but "
              + model.specName() + " has a vocabulary of " + p.shape()[0] + ": declare vocab = "
              + keepTokens.size() + " (keepTokens.size()) in its @Transformer");
        }
        if (shape.length > 0) {
          expected[0] = shape[0];
          checkKeptRows(source, name, shape[0], keepTokens);
        }
      }
      if (!Arrays.equals(shape, expected)) {
        throw source.error("tensor " + name + " has shape " + Arrays.toString(shape) + ", "
            + model.specName() + " expects " + Arrays.toString(expected));
      }
      checkReadable(source, name, "tensor ");
      found.put(p, name);
    }
    if (!missing.isEmpty() || strict && !missingHeads.isEmpty()) {
      List<String> all = new ArrayList<>(missing);
      missingHeads.forEach(h -> all.add(h.name() + " " + h.shapeText() + " (a head)"));
      throw source.error("missing " + all.size() + " tensor(s) " + model.specName()
          + " needs (each also looked for with the '" + names(model).encoderPrefix() + "' prefix"
          + (strict ? "; a strict load initialises no head" : "") + "): " + first(all));
    }
    missingHeads.forEach(h -> initialised.add(h.name()));
    return found;
  }

  private static String first(List<String> names) {
    return String.join(", ", names.subList(0, Math.min(names.size(), 12)))
        + (names.size() > 12 ? ", ..." : "");
  }

  private static void checkKeptRows(TensorSource source, String name, long rows,
      KeepTokens keepTokens) throws IOException {
    int[] ids = keepTokens.ids();
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] >= rows) {
        throw source.error("keep token " + i + " is old id " + ids[i] + ", but tensor " + name
            + " has only " + rows + " rows");
      }
    }
  }

  private static void checkReadable(TensorSource source, String name, String what)
      throws IOException {
    if (!source.readsAsFloat(name)) {
      throw source.error(what + name + " has dtype " + source.typeName(name)
          + ", which cannot be read as float32");
    }
  }

  /**
   * The optimizer state tensors of {@code file} to load, each with its name there; null when the file
   * has no state, or state of a different optimizer (logged). Checks every name, shape and dtype.
   */
  private static Map<StateTensor, String> optimizerState(GeneratedTransformer model,
      TensorSource reader) throws IOException {
    Path file = reader.path();
    String saved = reader.metadata().get(OPTIMIZER);
    if (saved == null) {
      return null;
    }
    String ours = model.optimizer().program().describe();
    if (!saved.equals(ours)) {
      LOG.info("bert4j: " + file + " holds optimizer state for " + saved + "; " + model.specName()
          + " trains with " + ours + ", so its optimizer starts fresh");
      return null;
    }
    Map<StateTensor, String> found = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (StateTensor t : model.optimizer().stateTensors()) {
      if (!reader.contains(t.name())) {
        missing.add(t.name() + " " + Arrays.toString(t.shape()));
        continue;
      }
      long[] shape = reader.shape(t.name());
      if (!Arrays.equals(shape, Arrays.stream(t.shape()).asLongStream().toArray())) {
        throw reader.error("optimizer state " + t.name() + " has shape "
            + Arrays.toString(shape) + ", " + model.specName() + " expects "
            + Arrays.toString(t.shape()));
      }
      checkReadable(reader, t.name(), "optimizer state ");
      found.put(t, t.name());
    }
    if (!missing.isEmpty()) {
      throw reader.error("its metadata says it holds the state of " + saved
          + ", but " + missing.size() + " state tensor(s) are missing: "
          + String.join(", ", missing.subList(0, Math.min(missing.size(), 12)))
          + (missing.size() > 12 ? ", ..." : ""));
    }
    return found;
  }

  /**
   * What a resumed run restores besides tensors: steps taken, the last learning rate, and (where the
   * file has it) the dropout stream's seed and calls.
   */
  private record Counters(long steps, double learningRate, boolean dropout, long dropoutSeed,
      long dropoutCalls) {}

  /**
   * The counters of the metadata, checked: steps ≥ 0, a finite learning rate, and the dropout seed and
   * calls ≥ 0 together or not at all.
   */
  private static Counters counters(Map<String, String> meta, TensorSource file) throws IOException {
    long steps = whole(meta, STEPS, file, 0);
    String rate = required(meta, LEARNING_RATE, file);
    double learningRate;
    try {
      learningRate = Double.parseDouble(rate);
    } catch (NumberFormatException e) {
      learningRate = Double.NaN;
    }
    if (!Double.isFinite(learningRate)) {
      throw file.error("metadata " + LEARNING_RATE + " = \"" + rate
          + "\" is not a finite number");
    }
    if (meta.containsKey(DROPOUT_SEED) || meta.containsKey(DROPOUT_CALLS)) {
      return new Counters(steps, learningRate, true, whole(meta, DROPOUT_SEED, file, Long.MIN_VALUE),
          whole(meta, DROPOUT_CALLS, file, 0));
    }
    return new Counters(steps, learningRate, false, 0, 0);
  }

  /** The metadata value of {@code key} as a whole number of at least {@code min}. */
  private static long whole(Map<String, String> meta, String key, TensorSource file, long min)
      throws IOException {
    String text = required(meta, key, file);
    try {
      long value = Long.parseLong(text);
      if (value >= min) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw file.error("metadata " + key + " = \"" + text + "\" is not a whole number"
        + (min == 0 ? " ≥ 0" : ""));
  }

  private static String required(Map<String, String> meta, String key, TensorSource file)
      throws IOException {
    String text = meta.get(key);
    if (text == null) {
      throw file.error("its metadata names the optimizer (" + OPTIMIZER
          + ") but has no " + key);
    }
    return text;
  }

  /**
   * Saves every parameter and, once the model has trained, the optimizer state and counters; with
   * {@link NonFinite#REJECT}, refuses (before writing anything) when a tensor holds NaN or infinity.
   */
  static void save(GeneratedTransformer model, Path file, NonFinite nonFinite) throws IOException {
    if (file == null) {
      throw new IllegalArgumentException("the weights file to save to must not be null");
    }
    if (nonFinite == null) {
      throw new IllegalArgumentException("nonFinite must not be null: NonFinite.REJECT or NonFinite.ALLOW");
    }
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    Map<String, String> meta = new LinkedHashMap<>();
    boolean tensorFlow = file.getFileName().toString().endsWith(".ckpt");
    long steps;
    model.enter("save");
    try {
      if (tensorFlow) {
        tensors.putAll(googleNames(model));
      } else {
        collect(model, tensors, meta);
      }
      steps = model.trainingSteps();
    } finally {
      model.exit();
    }
    String nonFiniteTensors = nonFiniteTensors(tensors);
    if (nonFinite == NonFinite.REJECT && nonFiniteTensors != null) {
      throw new IllegalStateException(file + " not saved: NaN or infinity in " + nonFiniteTensors
          + "; save(path, NonFinite.ALLOW) saves them anyway");
    }
    if (tensorFlow) {
      TfCheckpointWriter.write(file, tensors, Map.of("global_step", steps));
    } else {
      SafeTensorsWriter.write(file, tensors, meta);
    }
  }

  /**
   * The parameters under Google's TensorFlow names, kernels {@code [in, out]}, for a {@code .ckpt}
   * save (weights only: the optimizer state stays in safetensors saves).
   */
  private static Map<String, FloatTensor> googleNames(GeneratedTransformer model) {
    Architecture a = model.layout().architecture();
    String scope = switch (a) {
      case BERT, NEZHA, ROFORMER, ALBERT -> "bert";
      case ELECTRA -> "electra";
      default -> throw new IllegalArgumentException(a + " has no TensorFlow checkpoint layout: save "
          + model.specName() + " as safetensors");
    };
    Map<String, FloatTensor> google = new LinkedHashMap<>();
    for (ParameterInfo p : model.parameters()) {
      String name = TfNames.google(p.name(), a == Architecture.ALBERT, scope);
      FloatTensor t = model.parameter(p.name());
      google.put(name, TfNames.isKernel(name) ? t.transposed() : t);
    }
    return google;
  }

  /** Copies what a save writes, while the model is held against {@code close}. */
  private static void collect(GeneratedTransformer model, Map<String, FloatTensor> tensors,
      Map<String, String> meta) {
    for (ParameterInfo p : model.parameters()) {
      tensors.put(names(model).saved(p.name()),
          names(model).toStored(p.name(), model.parameter(p.name())));
    }
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
  }

  /**
   * The first few tensors that hold NaN or infinity, each with its first such value ({@code "bert.x"
   * (NaN at element 3)}), and how many more; null when every value is finite.
   */
  private static String nonFiniteTensors(Map<String, FloatTensor> tensors) {
    List<String> named = new ArrayList<>();
    int count = 0;
    for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
      float[] data = e.getValue().data();
      for (int i = 0; i < data.length; i++) {
        if (!Float.isFinite(data[i])) {
          if (count++ < NAMED) {
            named.add("\"" + e.getKey() + "\" (" + data[i] + " at element " + i + ")");
          }
          break;
        }
      }
    }
    if (count == 0) {
      return null;
    }
    return count + " tensor(s): " + String.join(", ", named) + (count > NAMED ? ", ..." : "");
  }

  private static CheckpointNames names(GeneratedTransformer model) {
    return new CheckpointNames(model.layout().architecture());
  }
}
