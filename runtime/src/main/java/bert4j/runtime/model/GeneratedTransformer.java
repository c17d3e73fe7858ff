package bert4j.runtime.model;

import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.LoadOptions;
import bert4j.runtime.LoadReport;
import bert4j.runtime.Outputs;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.TransformerModel;
import bert4j.runtime.io.NonFinite;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import bert4j.runtime.optim.BoundOptimizer;
import bert4j.runtime.optim.StateRegion;
import bert4j.runtime.optim.StateTensor;
import bert4j.runtime.text.KeepTokens;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The runtime half of every generated model: memory (flat parameters, gradients and optimizer state,
 * and the activation arena sized for {@code maxBatch × maxLength}), input staging and checks, weights
 * I/O, and the training step around the generated {@link #forwardPass} and {@link #backwardPass}.
 * A model created for inference ({@code createForInference}) holds only its parameters and the
 * smaller arena of the forward and decoding passes ({@link ModelLayout#inferenceArena}); its
 * training methods refuse. The generated subclass holds the slices and the kernel calls; nothing here
 * knows the architecture.
 */
public abstract class GeneratedTransformer implements TransformerModel {
  /**
   * The standard deviation of a standard normal truncated to [−2, 2], by which Keras divides
   * LeCun's scale so the truncated draws keep variance 1/fan-in.
   */
  private static final double TRUNCATED_NORMAL_STD = 0.87962566103423978;

  /** The backend every kernel call goes to. */
  protected final Kernels kernels;
  private final ModelLayout layout;
  private final int maxBatch;
  private final int maxLength;
  private final boolean inferenceOnly;
  /** The widths of this model's arena: the layout's training or inference arena. */
  private final ArenaWidths arenaWidths;
  private final Memory params;
  /** The gradients; null in a model created for inference, as the optimizer state. */
  private final Memory grads;
  /** One memory per optimizer state region (null where the optimizer keeps none). */
  private final Memory[] state;
  private final Slice[] stateSlices;
  private final Slice paramsSlice;
  private final Slice gradsSlice;
  private final BoundOptimizer optimizer;
  /** applyEma / restore: the average swapped in, the parameters kept aside. */
  private final EmaSwap ema;
  private final NonFiniteCheck nonFinite;
  private final Memory arena;
  private final Map<String, ParameterInfo> byName = new LinkedHashMap<>();
  private final BatchInputs inputs;
  private final int parameterCount;
  /** The gradient ranges zeroed before each step's pass ({@link #zeroedGradients}). */
  private final long[] zeroedGradients;
  private long dropoutSeed;
  private long dropoutCalls;
  /** Training steps taken (each one an update, or an accumulation when accumulating). */
  private long trainingSteps;
  private double lastLearningRate;
  /** Held by each call that uses the model's memory, and by {@link #close} while it frees it. */
  private final ReentrantLock inUse = new ReentrantLock();
  private volatile boolean closed;

  /** Host inputs of the current call, read by the generated kernel calls. */
  protected final int[] tokenIds;
  protected final int[] segmentIds;
  protected final int[] positionIds;
  /** The staged batch's conditions (conditional layer norms), {@code conditionSize} per sequence. */
  protected final float[] conditions;
  /** An encoder–decoder's decoder ids and the decoder's key ids (1 everywhere: masked causally only). */
  protected final int[] decoderIds;
  protected final int[] decoderKeyIds;

  /**
   * The memory of a model of {@code layout} on {@code kernels}: parameters, and with
   * {@code inferenceOnly} the inference arena alone, else also gradients, optimizer state and the
   * training arena.
   */
  protected GeneratedTransformer(Kernels kernels, ModelLayout layout, int maxBatch, int maxLength,
      boolean inferenceOnly) {
    if (kernels == null) {
      throw new IllegalArgumentException("kernels must not be null: use Backend.cpu() or Backend.auto()");
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch=" + maxBatch + " must be at least 1");
    }
    if (maxLength < 1 || maxLength > layout.maxPosition()) {
      throw new IllegalArgumentException("maxLength=" + maxLength + " must be in [1, maxPosition="
          + layout.maxPosition() + "]");
    }
    if ((long) maxBatch * maxLength > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("maxBatch=" + maxBatch + " × maxLength=" + maxLength + " = "
          + (long) maxBatch * maxLength + " tokens; this version supports up to " + Integer.MAX_VALUE);
    }
    long count = layout.parameterCount();
    if (count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(layout.specName() + " has " + count
          + " parameters; this version supports up to " + Integer.MAX_VALUE);
    }
    this.kernels = kernels;
    this.layout = layout;
    this.maxBatch = maxBatch;
    this.maxLength = maxLength;
    this.inferenceOnly = inferenceOnly;
    this.arenaWidths = inferenceOnly ? layout.inferenceArena() : layout.arena();
    this.parameterCount = (int) count;
    for (ParameterInfo p : layout.parameters()) {
      byName.put(p.name(), p);
    }
    ParameterIndex parameterIndex = new ParameterIndex(layout.parameters());
    this.optimizer = layout.optimizer().bind(layout.parameters());
    this.state = new Memory[StateRegion.values().length];
    this.stateSlices = new Slice[state.length];
    try {
      this.params = allocate(count);
      this.ema = new EmaSwap(kernels, params, parameterCount, parameterIndex);
      this.grads = inferenceOnly ? null : allocate(count);
      for (StateRegion region : StateRegion.values()) {
        long floats = optimizer.regionFloats(region);
        if (floats > 0 && !inferenceOnly) {
          state[region.ordinal()] = allocate(floats);
          stateSlices[region.ordinal()] = new Slice(state[region.ordinal()], 0);
        }
      }
      this.arena = allocateArena(Math.max(1, arenaWidths.floats(maxBatch, maxLength)));
      this.inputs = new BatchInputs(layout, maxBatch, maxLength);
    } catch (RuntimeException | Error e) {
      free();
      throw e;
    }
    this.zeroedGradients = checkedRanges(zeroedGradients(), count, layout.specName());
    this.paramsSlice = new Slice(params, 0);
    this.gradsSlice = inferenceOnly ? null : new Slice(grads, 0);
    this.nonFinite = inferenceOnly ? null : new NonFiniteCheck(kernels, layout.specName(),
        paramsSlice, gradsSlice, parameterCount, parameterIndex);
    this.tokenIds = inputs.tokenIds;
    this.segmentIds = inputs.segmentIds;
    this.positionIds = inputs.positionIds;
    this.conditions = inputs.conditions;
    this.decoderIds = inputs.decoderIds;
    this.decoderKeyIds = inputs.decoderKeyIds;
    if (inferenceOnly) {
      declareLinearWeights(linearWeights());
      declareLinearIntermediates(linearIntermediates());
    }
    initialize(0);
  }

  /**
   * The ranges of the gradient buffer zeroed before each training step's pass, as (start, length)
   * pairs in floats: all of it here; a generated model leaves out the gradients that one dense
   * layer's backward writes whole (its only contribution), so they need no zeroing.
   */
  protected long[] zeroedGradients() {
    return new long[] {0, layout.parameterCount()};
  }

  /**
   * The dense layers' weights that only linear layers read, as (offset, in, out) triples, which a
   * model created for inference declares to its kernels ({@link Kernels#linearWeight}) so that they
   * may keep them in a layout of their own: none here; a generated model lists its own.
   */
  protected long[] linearWeights() {
    return new long[0];
  }

  /**
   * The activations that only the next dense layer reads, as (per-token column, width) pairs of the
   * inference arena, which a model created for inference declares to its kernels
   * ({@link Kernels#linearIntermediate}) so that they may hold them in a form of their own: none
   * here; a generated model lists its own.
   */
  protected int[] linearIntermediates() {
    return new int[0];
  }

  /**
   * {@code global}'s triples, then {@code layerZero}'s repeated for each of {@code layers} layers,
   * each layer's parameters {@code stride} floats after the previous layer's.
   */
  protected static long[] repeatedPerLayer(long[] global, long[] layerZero, long stride,
      int layers) {
    long[] all = Arrays.copyOf(global, global.length + layers * layerZero.length);
    for (int l = 0; l < layers; l++) {
      for (int i = 0; i < layerZero.length; i += 3) {
        int at = global.length + l * layerZero.length + i;
        all[at] = layerZero[i] + l * stride;
        all[at + 1] = layerZero[i + 1];
        all[at + 2] = layerZero[i + 2];
      }
    }
    return all;
  }

  private void declareLinearIntermediates(int[] pairs) {
    if (pairs.length % 2 != 0) {
      throw new IllegalStateException(layout.specName()
          + ": linear intermediates must be (column, width) pairs");
    }
    for (int i = 0; i < pairs.length; i += 2) {
      int column = pairs[i];
      int width = pairs[i + 1];
      if (column < 0 || width < 1 || (long) column + width > arenaWidths.tokens()) {
        throw new IllegalStateException(layout.specName() + ": linear intermediate " + width
            + " wide at column " + column + " is not inside the " + arenaWidths.tokens()
            + " per-token columns");
      }
      kernels.linearIntermediate(tokens(column), width);
    }
  }

  private void declareLinearWeights(long[] triples) {
    if (triples.length % 3 != 0) {
      throw new IllegalStateException(layout.specName()
          + ": linear weights must be (offset, in, out) triples");
    }
    for (int i = 0; i < triples.length; i += 3) {
      long offset = triples[i];
      long in = triples[i + 1];
      long out = triples[i + 2];
      if (offset < 0 || in < 1 || out < 1 || in > Integer.MAX_VALUE || out > Integer.MAX_VALUE
          || offset + in * out > parameterCount) {
        throw new IllegalStateException(layout.specName() + ": linear weight " + out + " × " + in
            + " at " + offset + " is not inside the " + parameterCount + " parameters");
      }
      kernels.linearWeight(new Slice(params, offset), (int) in, (int) out);
    }
  }

  /** {@code ranges}, checked to be (start, length) pairs ascending inside the parameters. */
  private static long[] checkedRanges(long[] ranges, long count, String spec) {
    long end = 0;
    for (int i = 0; i + 1 < ranges.length; i += 2) {
      if (ranges[i] < end || ranges[i + 1] < 0 || ranges[i] + ranges[i + 1] > count) {
        throw new IllegalStateException(spec + ": zeroed gradient range " + ranges[i] + " + "
            + ranges[i + 1] + " is not inside the " + count + " parameters after the previous one");
      }
      end = ranges[i] + ranges[i + 1];
    }
    if (ranges.length % 2 != 0) {
      throw new IllegalStateException(spec + ": zeroed gradient ranges must be (start, length) pairs");
    }
    return ranges.clone();
  }

  /**
   * The model's own memory: a training model's through {@link Kernels#allocateForTraining} (its
   * step streams through all of it), an inference model's through {@link Kernels#allocate}.
   */
  private Memory allocate(long floats) {
    return inferenceOnly ? kernels.allocate(floats) : kernels.allocateForTraining(floats);
  }

  /**
   * The activation arena: memory the backend cannot give ({@link OutOfMemoryError} or its own
   * failure) is an {@link IllegalArgumentException} naming maxBatch, maxLength and the bytes.
   */
  private Memory allocateArena(long floats) {
    try {
      return allocate(floats);
    } catch (RuntimeException | OutOfMemoryError e) {
      throw new IllegalArgumentException("maxBatch=" + maxBatch + " × maxLength=" + maxLength
          + " needs an activation arena of " + 4 * floats + " bytes (" + (4 * floats >> 20)
          + " MiB) for " + layout.specName() + ", which " + kernels.name() + " could not allocate ("
          + e + "): lower maxBatch or maxLength, or give the backend more memory", e);
    }
  }

  /**
   * The forward pass for {@code batch} sequences of length {@code seq} already staged; in training
   * mode, dropout is on and the loss (with the gradient of the logits) is computed and returned.
   */
  protected abstract double forwardPass(boolean training, int batch, int seq);

  /** The backward pass, after a training {@link #forwardPass}; accumulates into the gradients. */
  protected abstract void backwardPass(int batch, int seq);

  /** Reads the outputs of the last forward pass. */
  protected abstract Outputs readOutputs();

  /** The slice of a parameter at {@code offset} in the flat buffer. */
  protected final Slice param(long offset) {
    return new Slice(params, offset);
  }

  /** The slice of a parameter's gradient at {@code offset}; null in a model created for inference. */
  protected final Slice grad(long offset) {
    return grads == null ? null : new Slice(grads, offset);
  }

  /**
   * Whether this model was created for inference: the generated code then places its slices at the
   * inference arena's columns and leaves those only training uses null.
   */
  @Override
  public final boolean inferenceOnly() {
    return inferenceOnly;
  }

  /** A buffer of the per-token region, {@code column} widths in. */
  protected final Slice tokens(int column) {
    return new Slice(arena, (long) column * maxBatch * maxLength);
  }

  /** A buffer of the per-sequence region. */
  protected final Slice sequences(int column) {
    return new Slice(arena, (long) arenaWidths.tokens() * maxBatch * maxLength
        + (long) column * maxBatch);
  }

  /** A buffer of the per-token-pair region. */
  protected final Slice pairs(int column) {
    long tokens = (long) maxBatch * maxLength;
    return new Slice(arena, arenaWidths.tokens() * tokens + (long) arenaWidths.sequences() * maxBatch
        + (long) column * tokens * maxLength);
  }

  /**
   * An {@link IllegalStateException} for a training method called on a model created for inference,
   * naming the factory to use instead.
   */
  private void requireTraining(String call) {
    if (inferenceOnly) {
      throw new IllegalStateException(call + ": " + layout.specName() + " was created for inference "
          + "(createForInference), without gradients or optimizer state; create it with "
          + "create(kernels, maxBatch, maxLength) to train");
    }
  }

  /** The host targets of loss {@code loss} (the layout's order) for the current training call. */
  protected final int[] targets(int loss) {
    return inputs.targets[loss];
  }

  /** The scale of loss {@code loss}: 1 / its counted targets (0 when none counts). */
  protected final float lossScale(int loss) {
    return inputs.lossScales[loss];
  }

  /** Sequences in the last forward pass; an error before the first. */
  protected final int lastBatch() {
    if (inputs.batch == 0) {
      throw new IllegalStateException("no forward pass has run yet, or a decoding call has reused"
          + " its memory since");
    }
    return inputs.batch;
  }

  /** Length of the sequences of the last forward pass. */
  protected final int lastSeq() {
    lastBatch();
    return inputs.seq;
  }

  /** Most sequences one call takes. */
  public int maxBatch() {
    return maxBatch;
  }

  /** Longest sequence one call takes. */
  public int maxLength() {
    return maxLength;
  }

  /**
   * Forgets the last forward pass: a decoding pass ({@link GeneratedLm}) has reused the arena its
   * outputs were in and the host inputs it was staged in.
   */
  final void forgetLastForward() {
    inputs.batch = 0;
  }

  /** The dropout seed of one site in the current training call. */
  protected final long seed(int site) {
    long z = dropoutSeed + 0x9E3779B97F4A7C15L * (dropoutCalls + 1) + 0xBF58476D1CE4E5B9L * (site + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Copies {@code shape}'s worth of floats from a slice into a host tensor. */
  protected final FloatTensor read(Slice slice, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    float[] data = new float[n];
    enter("reading an output");
    try {
      kernels.read(slice, data, 0, n);
    } finally {
      exit();
    }
    return new FloatTensor(shape, data);
  }

  @Override
  public String specName() {
    return layout.specName();
  }

  /** The layout the generated code declared: sizes, parameters, arena widths, FLOPs. */
  public ModelLayout layout() {
    return layout;
  }

  @Override
  public List<ParameterInfo> parameters() {
    return layout.parameters();
  }

  @Override
  public long parameterCount() {
    return parameterCount;
  }

  @Override
  public FloatTensor parameter(String name) {
    ParameterInfo p = info(name);
    enter("parameter");
    try {
      return read(new Slice(params, p.offset()), p.shape());
    } finally {
      exit();
    }
  }

  @Override
  public void setParameter(String name, FloatTensor values) {
    if (name == null) {
      throw new IllegalArgumentException("setParameter: the parameter name must not be null");
    }
    if (values == null) {
      throw new IllegalArgumentException("setParameter: the values for " + name
          + " must not be null");
    }
    ParameterInfo p = info(name);
    if (!Arrays.equals(p.shape(), values.shape())) {
      throw new IllegalArgumentException("parameter " + name + " has shape " + p.shapeText()
          + ", got values of shape " + Arrays.toString(values.shape()));
    }
    enter("setParameter");
    try {
      kernels.write(values.data(), 0, new Slice(params, p.offset()), p.size());
    } finally {
      exit();
    }
  }

  @Override
  public FloatTensor gradient(String name) {
    requireTraining("gradient");
    ParameterInfo p = info(name);
    enter("gradient");
    try {
      return read(new Slice(grads, p.offset()), p.shape());
    } finally {
      exit();
    }
  }

  @Override
  public void initialize(long seed) {
    enter("initialize");
    try {
      initializeFrom(new SplittableRandom(seed));
    } finally {
      exit();
    }
  }

  private void initializeFrom(SplittableRandom random) {
    for (ParameterInfo p : layout.parameters()) {
      float[] values = new float[p.size()];
      if (CheckpointNames.isNormScale(p.name())) {
        Arrays.fill(values, 1f);
      } else if (CheckpointNames.isIdentity(p.name())) {
        for (int i = 0; i < p.shape()[0]; i++) {
          values[i * p.shape()[0] + i] = 1f;
        }
      } else if (!p.name().endsWith("bias") && !CheckpointNames.isZero(p.name())) {
        double scale = T5Initialization.applies(layout.config())
            ? T5Initialization.std(layout.config(), p) / TRUNCATED_NORMAL_STD
            : CheckpointNames.isLecunNormal(p.name())
                ? 1 / Math.sqrt(p.shape()[1]) / TRUNCATED_NORMAL_STD : layout.initializerRange();
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) (scale * truncatedNormal(random));
        }
      }
      kernels.write(values, 0, new Slice(params, p.offset()), values.length);
    }
  }

  private static double truncatedNormal(SplittableRandom random) {
    while (true) {
      double u = random.nextDouble();
      double v = random.nextDouble();
      double z = Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
      if (Math.abs(z) <= 2) {
        return z;
      }
    }
  }

  @Override
  public void seedDropout(long seed) {
    dropoutSeed = seed;
    dropoutCalls = 0;
  }

  @Override
  public LoadReport load(Path weights, LoadOptions options) throws IOException {
    if (options == null) {
      throw new IllegalArgumentException("options must not be null: LoadOptions.defaults()");
    }
    return ModelWeights.load(this, weights, options);
  }

  @Override
  public void save(Path weights, NonFinite nonFinite) throws IOException {
    ModelWeights.save(this, weights, nonFinite);
  }

  @Override
  public Outputs forward(Batch batch) {
    requireBatch(batch, "forward");
    enter("forward");
    try {
      inputs.stage(batch, false);
      forwardPass(false, inputs.batch, inputs.seq);
      return readOutputs();
    } finally {
      exit();
    }
  }

  /** Stages {@code batch} and runs the inference forward pass, reading no outputs (T5's decoding). */
  final void runForward(Batch batch) {
    inputs.stage(batch, false);
    forwardPass(false, inputs.batch, inputs.seq);
  }

  @Override
  public Outputs lastOutputs() {
    lastBatch();
    enter("lastOutputs");
    try {
      return readOutputs();
    } finally {
      exit();
    }
  }

  @Override
  public float computeGradients(Batch batch) {
    requireTraining("computeGradients");
    requireBatch(batch, "computeGradients");
    enter("computeGradients");
    try {
      return gradients(batch);
    } finally {
      exit();
    }
  }

  @Override
  public float trainStep(Batch batch) {
    requireTraining("trainStep");
    requireBatch(batch, "trainStep");
    enter("trainStep");
    try {
      if (ema.applied()) {
        throw new IllegalStateException(
            "the moving average is applied: call restore() before training");
      }
      float loss = gradients(batch);
      trainingSteps++;
      kernels.optimizerStep(optimizer, paramsSlice, gradsSlice, stateSlices, trainingSteps);
      if (optimizer.updates(trainingSteps)) {
        lastLearningRate = optimizer.lastLearningRate();
      }
      return loss;
    } finally {
      exit();
    }
  }

  /**
   * {@link #computeGradients} inside a call already entered: the loss and the gradients, then the
   * check that both are finite, which fails before any update could spread a NaN.
   */
  private float gradients(Batch batch) {
    inputs.stage(batch, true);
    for (int i = 0; i < zeroedGradients.length; i += 2) {
      kernels.fill(gradsSlice.plus(zeroedGradients[i]), zeroedGradients[i + 1], 0f);
    }
    double loss = forwardPass(true, inputs.batch, inputs.seq);
    backwardPass(inputs.batch, inputs.seq);
    dropoutCalls++;
    nonFinite.require(trainingSteps + 1, loss);
    return (float) loss;
  }

  /** A null batch is an {@link IllegalArgumentException} naming the call. */
  private static void requireBatch(Batch batch, String call) {
    if (batch == null) {
      throw new IllegalArgumentException(call + ": the batch must not be null");
    }
  }

  @Override
  public double lastLearningRate() {
    return lastLearningRate;
  }

  @Override
  public long trainingSteps() {
    return trainingSteps;
  }

  @Override
  public long updates() {
    return trainingSteps / optimizer.accumulationSteps();
  }

  /** The optimizer bound to this model's parameters: per-tensor flags, state layout. */
  public BoundOptimizer optimizer() {
    return optimizer;
  }

  @Override
  public void applyEma() {
    requireTraining("applyEma");
    enter("applyEma");
    try {
      ema.apply(stateSlices[StateRegion.EMA.ordinal()], optimizer.emaCorrection(updates()));
    } finally {
      exit();
    }
  }

  @Override
  public void restore() {
    enter("restore");
    try {
      ema.restore();
    } finally {
      exit();
    }
  }

  @Override
  public boolean emaApplied() {
    return ema.applied();
  }

  /** Every tensor of optimizer state, read from the backend (for checkpoints and tests). */
  public FloatTensor optimizerState(String name) {
    requireTraining("optimizerState");
    for (StateTensor t : optimizer.stateTensors()) {
      if (t.name().equals(name)) {
        enter("optimizerState");
        try {
          return read(stateSlices[t.region().ordinal()].plus(t.offset()), t.shape());
        } finally {
          exit();
        }
      }
    }
    throw new IllegalArgumentException("no optimizer state '" + name + "' in " + layout.specName()
        + " (" + layout.optimizer() + ")");
  }

  /** Replaces one tensor of optimizer state; the shape must match. */
  void setOptimizerState(StateTensor t, FloatTensor values) {
    kernels.write(values.data(), 0, stateSlices[t.region().ordinal()].plus(t.offset()), t.size());
  }

  /** Forgets all optimizer state: zero moments and counters, as a fresh model. */
  void resetOptimizer() {
    for (Slice slice : stateSlices) {
      if (slice != null) {
        kernels.fill(slice, slice.memory().size(), 0f);
      }
    }
    trainingSteps = 0;
    lastLearningRate = 0;
  }

  /** Sets the training-step counter of a resumed run. */
  void resumeAt(long steps, double learningRate) {
    trainingSteps = steps;
    lastLearningRate = learningRate;
  }

  long dropoutSeed() {
    return dropoutSeed;
  }

  long dropoutCalls() {
    return dropoutCalls;
  }

  void resumeDropout(long seed, long calls) {
    dropoutSeed = seed;
    dropoutCalls = calls;
  }

  /** Marks the moving average as no longer applied (weights were replaced wholesale). */
  void forgetEma() {
    ema.forget();
  }

  /** Forward FLOPs per token at length {@code seq}, from the plan. */
  public long flopsPerToken(int seq) {
    return layout.flopsPerToken(seq);
  }

  /** Bytes of this model's activation arena (sized for its maximum batch and length). */
  public long arenaBytes() {
    return 4 * arenaWidths.floats(maxBatch, maxLength);
  }

  /**
   * Frees the model's memory once a call in progress on another thread has returned; every call
   * after it is an {@link IllegalStateException}. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    inUse.lock();
    try {
      free();
    } finally {
      inUse.unlock();
    }
  }

  /** Closes every memory allocated so far (the constructor's cleanup when an allocation fails). */
  private void free() {
    for (Memory m : new Memory[] {params, grads, arena}) {
      if (m != null) {
        m.close();
      }
    }
    if (ema != null) {
      ema.close();
    }
    for (Memory m : state) {
      if (m != null) {
        m.close();
      }
    }
  }

  /**
   * Starts a call that uses the model's memory, to be ended by {@link #exit} in a finally: an
   * {@link IllegalStateException} once the model is closed; otherwise {@link #close} waits for it.
   */
  void enter(String call) {
    inUse.lock();
    if (closed) {
      inUse.unlock();
      throw new IllegalStateException(call + ": the model " + layout.specName()
          + " is closed");
    }
  }

  /** Ends a call started by {@link #enter}. */
  void exit() {
    inUse.unlock();
  }

  /**
   * The parameter {@code name}, also under the name a Hugging Face task model gives it (with the
   * encoder prefix, {@code bert.}, ...).
   */
  ParameterInfo info(String name) {
    ParameterInfo p = name == null ? null : byName.get(name);
    String prefix = new CheckpointNames(layout.architecture()).encoderPrefix();
    if (p == null && name != null && name.startsWith(prefix)) {
      p = byName.get(name.substring(prefix.length()));
    }
    if (p == null) {
      throw new IllegalArgumentException("no parameter '" + name + "' in " + layout.specName()
          + "; it has " + byName.keySet());
    }
    return p;
  }
}
