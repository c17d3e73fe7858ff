package bert4j.runtime.optim;

import bert4j.dsl.Method;
import bert4j.runtime.ParameterInfo;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * An {@link OptimizerProgram} bound to one model's parameters: the name patterns resolved to per-tensor
 * flags (once, here), the layout of the optimizer state, and the host implementation of the fused
 * update that the CPU backend runs.
 *
 * <h2>The update, on the host</h2>
 * The flat buffers are cut into chunks of at most {@link #CHUNK} floats (16384 unless the system
 * property {@code bert4j.optimizer.chunk} says otherwise) that never cross a tensor
 * (and hold whole rows where a tensor is lazy or factored). A training step that only accumulates adds
 * the gradient to the accumulator, chunk by chunk. An update runs the reductions it needs first, each a
 * read-only pass: the global gradient norm (clipping), AdaFactor's factored statistics and update rms,
 * and LAMB's per-tensor norms (computed by running the update without storing it). Then one pass does
 * everything else: each chunk of every buffer it touches is read once into per-thread scratch arrays,
 * transformed there by the whole extension chain (in cache), and written back once. Reductions sum
 * per-chunk partials in chunk order, so results never depend on the number of threads.
 *
 * <p>Instances are not thread-safe: one model, one bound optimizer, one step at a time.
 */
public final class BoundOptimizer {
  /**
   * Floats per chunk: the unit of parallel work and of the scratch arrays. System property
   * {@code bert4j.optimizer.chunk} (a power of two, 1024 to 65536) overrides the default for tuning.
   */
  public static final int CHUNK = chunkSize(Integer.getInteger("bert4j.optimizer.chunk", 16384));

  private static int chunkSize(int requested) {
    if (requested < 1024 || requested > 65536 || Integer.bitCount(requested) != 1) {
      throw new IllegalArgumentException("bert4j.optimizer.chunk=" + requested
          + " must be a power of two from 1024 to 65536");
    }
    return requested;
  }

  private final OptimizerProgram program;
  private final Method method;
  private final List<ParameterInfo> parameters;
  private final int size;
  private final int accumulation;
  private final long[] regionFloats = new long[StateRegion.COUNT];
  private final List<StateTensor> stateTensors;

  // per tensor
  private final int tensors;
  private final int[] tOffset;
  private final int[] tSize;
  private final int[] tRowLen;
  private final int[] tFirstChunk;
  private final int[] tEndChunk;
  private final boolean[] tDecay;
  private final boolean[] tAdapt;
  private final boolean[] tLazy;
  private final boolean[] tFactored;
  private final boolean[] tScaleByParameter;
  private final double[] tMultiplier;
  private final int[] tRows;
  private final int[] tCols;
  private final int[] tVOffset;
  private final float[][] afRow;
  private final float[][] afCol;
  private final float[] afDen;
  // per tensor, per update
  private final float[] tWeightDecay;
  private final float[] tScale;
  private final float[] tClipDiv;
  private final float[] tParameterScale;
  private final double[] tSumA;
  private final double[] tSumB;

  // chunks
  private final int chunks;
  private final int[] cTensor;
  private final int[] cStart;
  private final int[] cEnd;
  private final double[] partialA;
  private final double[] partialB;
  private final int scratchFloats;
  private final int maxCols;
  /** Scratch per thread index, grown when a backend with more threads calls. */
  private Scratch[] scratch = new Scratch[0];

  // the current call
  private FloatBuffer params;
  private FloatBuffer grads;
  private FloatBuffer mBuf;
  private FloatBuffer vBuf;
  private FloatBuffer slowBuf;
  private FloatBuffer emaBuf;
  private FloatBuffer accBuf;
  private boolean initSlow;
  private boolean sync;
  private float lr;
  private float kf;
  private boolean clip;
  private float clipScale;
  private float b1;
  private float b2;
  private float c1;
  private float c2;
  private float mScale;
  private float vScale;
  private float eps;
  private float eps1;
  private float alpha;
  private float emaMu;
  private float emaC;
  private double lastLearningRate;

  private final HostParallel.RangeTask accumulateTask = (thread, from, to) -> {
    for (int c = from; c < to; c++) {
      accumulateChunk(scratch[thread], c);
    }
  };
  private final HostParallel.RangeTask clipTask = (thread, from, to) -> {
    for (int c = from; c < to; c++) {
      clipChunk(scratch[thread], c);
    }
  };
  private final HostParallel.RangeTask adafactorStatsTask = (thread, from, to) -> {
    for (int t = from; t < to; t++) {
      adafactorStats(scratch[thread], t);
    }
  };
  private final HostParallel.RangeTask adafactorRmsTask = (thread, from, to) -> {
    for (int c = from; c < to; c++) {
      adafactorRmsChunk(scratch[thread], c);
    }
  };
  private final HostParallel.RangeTask lambTask = (thread, from, to) -> {
    for (int c = from; c < to; c++) {
      lambChunk(scratch[thread], c);
    }
  };
  private final HostParallel.RangeTask updateTask = (thread, from, to) -> {
    for (int c = from; c < to; c++) {
      updateChunk(scratch[thread], c);
    }
  };

  BoundOptimizer(OptimizerProgram program, List<ParameterInfo> parameters) {
    this.program = program;
    this.method = program.method();
    this.parameters = List.copyOf(parameters);
    this.accumulation = program.accumulationSteps();
    this.tensors = parameters.size();
    tOffset = new int[tensors];
    tSize = new int[tensors];
    tRowLen = new int[tensors];
    tFirstChunk = new int[tensors];
    tEndChunk = new int[tensors];
    tDecay = new boolean[tensors];
    tAdapt = new boolean[tensors];
    tLazy = new boolean[tensors];
    tFactored = new boolean[tensors];
    tScaleByParameter = new boolean[tensors];
    tMultiplier = new double[tensors];
    tRows = new int[tensors];
    tCols = new int[tensors];
    tVOffset = new int[tensors];
    afRow = new float[tensors][];
    afCol = new float[tensors][];
    afDen = new float[tensors];
    tWeightDecay = new float[tensors];
    tScale = new float[tensors];
    tClipDiv = new float[tensors];
    tParameterScale = new float[tensors];
    tSumA = new double[tensors];
    tSumB = new double[tensors];

    long offset = 0;
    long vFloats = 0;
    int scratchNeed = CHUNK;
    int colsNeed = 1;
    List<int[]> chunkList = new ArrayList<>();
    for (int t = 0; t < tensors; t++) {
      ParameterInfo p = parameters.get(t);
      if (p.offset() != offset) {
        throw new IllegalArgumentException("parameter " + p.name() + " is at offset " + p.offset()
            + "; a bound optimizer needs parameters contiguous from 0 (expected " + offset + ")");
      }
      int[] shape = p.shape();
      String name = p.name();
      tOffset[t] = (int) offset;
      tSize[t] = p.size();
      tRowLen[t] = shape.length == 0 ? 1 : shape[shape.length - 1];
      tDecay[t] = program.decays(name);
      tAdapt[t] = program.adapts(name);
      tLazy[t] = program.lazy(name);
      tMultiplier[t] = program.multiplier(name);
      tScaleByParameter[t] = method == Method.ADAFACTOR && program.scalesByParameter(name);
      if (method == Method.ADAFACTOR) {
        tVOffset[t] = (int) vFloats;
        if (shape.length == 2 && Math.min(shape[0], shape[1]) >= program.factorMinDim()) {
          tFactored[t] = true;
          tRows[t] = shape[0];
          tCols[t] = shape[1];
          afRow[t] = new float[shape[0]];
          afCol[t] = new float[shape[1]];
          vFloats += shape[0] + shape[1];
          colsNeed = Math.max(colsNeed, shape[1]);
        } else {
          vFloats += p.size();
        }
      }
      boolean wholeRows = tLazy[t] || tFactored[t];
      int step = CHUNK;
      if (wholeRows) {
        int row = tRowLen[t];
        scratchNeed = Math.max(scratchNeed, row);
        step = Math.max(1, CHUNK / row) * row;
      }
      tFirstChunk[t] = chunkList.size();
      for (int start = 0; start < p.size(); start += step) {
        chunkList.add(new int[] {t, (int) offset + start, (int) offset + Math.min(p.size(), start + step)});
      }
      tEndChunk[t] = chunkList.size();
      offset += p.size();
      if (offset > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("a bound optimizer supports up to " + Integer.MAX_VALUE
            + " parameters");
      }
    }
    this.size = (int) offset;
    this.chunks = chunkList.size();
    cTensor = new int[chunks];
    cStart = new int[chunks];
    cEnd = new int[chunks];
    for (int c = 0; c < chunks; c++) {
      int[] chunk = chunkList.get(c);
      cTensor[c] = chunk[0];
      cStart[c] = chunk[1];
      cEnd[c] = chunk[2];
    }
    partialA = new double[chunks];
    partialB = new double[chunks];
    scratchFloats = scratchNeed;
    maxCols = colsNeed;

    boolean hasM = switch (method) {
      case ADAM, LION -> true;
      case SGD -> program.momentum() > 0;
      case ADAFACTOR -> program.beta1() > 0;
    };
    regionFloats[StateRegion.M.ordinal()] = hasM ? size : 0;
    regionFloats[StateRegion.V.ordinal()] = switch (method) {
      case ADAM -> size;
      case ADAFACTOR -> vFloats;
      default -> 0;
    };
    regionFloats[StateRegion.SLOW.ordinal()] = program.hasLookahead() ? size : 0;
    regionFloats[StateRegion.EMA.ordinal()] = program.hasEma() ? size : 0;
    regionFloats[StateRegion.ACCUMULATED.ordinal()] = accumulation > 1 ? size : 0;
    this.stateTensors = describeState();
  }

  private List<StateTensor> describeState() {
    List<StateTensor> list = new ArrayList<>();
    for (StateRegion region : StateRegion.values()) {
      if (regionFloats(region) == 0) {
        continue;
      }
      for (int t = 0; t < tensors; t++) {
        ParameterInfo p = parameters.get(t);
        String slot = switch (region) {
          case M -> method == Method.SGD ? "velocity" : "m";
          case V -> "v";
          case SLOW -> "slow";
          case EMA -> "ema";
          case ACCUMULATED -> "accumulated";
        };
        if (region == StateRegion.V && method == Method.ADAFACTOR) {
          if (tFactored[t]) {
            list.add(new StateTensor("optimizer.v_row." + p.name(), new int[] {tRows[t]}, region,
                tVOffset[t]));
            list.add(new StateTensor("optimizer.v_col." + p.name(), new int[] {tCols[t]}, region,
                tVOffset[t] + tRows[t]));
          } else {
            list.add(new StateTensor("optimizer.v." + p.name(), p.shape(), region, tVOffset[t]));
          }
          continue;
        }
        list.add(new StateTensor("optimizer." + slot + "." + p.name(), p.shape(), region, p.offset()));
      }
    }
    return Collections.unmodifiableList(list);
  }

  // ---------------------------------------------------------------- description

  public OptimizerProgram program() {
    return program;
  }

  public List<ParameterInfo> parameters() {
    return parameters;
  }

  /** Number of parameters (floats). */
  public int size() {
    return size;
  }

  /** Floats of state {@code region} holds; 0 when this program keeps none. */
  public long regionFloats(StateRegion region) {
    return regionFloats[region.ordinal()];
  }

  /** Every tensor of optimizer state, with its checkpoint name, in a fixed order. */
  public List<StateTensor> stateTensors() {
    return stateTensors;
  }

  /** Training steps per update. */
  public int accumulationSteps() {
    return accumulation;
  }

  /** Whether training step {@code call} (1-based) updates the parameters. */
  public boolean updates(long call) {
    return call % accumulation == 0;
  }

  /** Whether parameter {@code index} (in flat-buffer order) is decayed. */
  public boolean decays(int index) {
    return tDecay[index];
  }

  /** Whether parameter {@code index} is layer-adapted. */
  public boolean adapts(int index) {
    return tAdapt[index];
  }

  /** Whether parameter {@code index} is optimized lazily. */
  public boolean lazy(int index) {
    return tLazy[index];
  }

  /** The product of the parameter-wise multipliers of parameter {@code index}. */
  public double multiplier(int index) {
    return tMultiplier[index];
  }

  /** Whether AdaFactor factors the second moment of parameter {@code index}. */
  public boolean factored(int index) {
    return tFactored[index];
  }

  /**
   * Training step {@code call} (1-based) as a device backend may run it without the host: present
   * when the program is a bare Adam or SGD (a schedule allowed, no other extension), and then it
   * counts as the update ({@link #lastLearningRate} says its rate), exactly as {@link #applyOnHost}
   * would; empty otherwise, and the backend runs applyOnHost on host copies of the buffers.
   */
  public Optional<PlainUpdate> plainUpdate(long call) {
    if (call < 1) {
      throw new IllegalArgumentException("training steps count from 1, got " + call);
    }
    boolean plain = (method == Method.ADAM || method == Method.SGD) && accumulation == 1
        && program.clipNorm() == 0 && !program.hasLayerAdaptation() && !program.hasLookahead()
        && !program.hasEma();
    for (int t = 0; plain && t < tensors; t++) {
      plain = (!tDecay[t] || program.weightDecayRate() == 0) && !tLazy[t] && tMultiplier[t] == 1;
    }
    if (!plain) {
      return Optional.empty();
    }
    prepare(call);
    boolean sgd = method == Method.SGD;
    return Optional.of(new PlainUpdate(method, lr, sgd ? 0f : b1, b2, c1, c2, mScale, vScale, eps,
        sgd ? b1 : 0f, program.nesterov()));
  }

  /** The learning rate the last update used (0 before the first). */
  public double lastLearningRate() {
    return lastLearningRate;
  }

  /** The factor that bias-corrects the moving average after {@code updates} updates: 1/(1 − μᵗ). */
  public double emaCorrection(long updates) {
    if (!program.hasEma() || updates < 1) {
      throw new IllegalStateException(program.hasEma()
          ? "the moving average is empty before the first update"
          : "this optimizer keeps no moving average (@Optimizer(ema = @Ema(...)))");
    }
    return 1 / (1 - Math.pow(program.emaMomentum(), updates));
  }

  // ---------------------------------------------------------------- the step

  /**
   * Training step number {@code call} (1-based) on host buffers indexed from 0: {@code state} has one
   * buffer per {@link StateRegion} (by ordinal; null where {@link #regionFloats} is 0). Returns whether
   * the parameters were updated (false on steps that only accumulate).
   */
  public boolean applyOnHost(FloatBuffer params, FloatBuffer grads, FloatBuffer[] state, long call,
      HostParallel parallel) {
    if (call < 1) {
      throw new IllegalArgumentException("training steps count from 1, got " + call);
    }
    if (state.length != regionFloats.length) {
      throw new IllegalArgumentException("expected " + regionFloats.length + " state buffers, got "
          + state.length);
    }
    for (int r = 0; r < StateRegion.COUNT; r++) {
      StateRegion region = StateRegion.of(r);
      FloatBuffer buffer = state[r];
      long need = regionFloats[r];
      if (need > 0 && (buffer == null || buffer.capacity() < need)) {
        throw new IllegalArgumentException("state region " + region + " needs " + need + " floats, got "
            + (buffer == null ? "none" : buffer.capacity()));
      }
    }
    if (params.capacity() < size || grads.capacity() < size) {
      throw new IllegalArgumentException("parameter and gradient buffers need " + size + " floats");
    }
    if (scratch.length < parallel.threads()) {
      Scratch[] grown = java.util.Arrays.copyOf(scratch, parallel.threads());
      for (int i = scratch.length; i < grown.length; i++) {
        grown[i] = new Scratch(scratchFloats, maxCols);
      }
      scratch = grown;
    }
    this.params = params;
    this.grads = grads;
    this.mBuf = state[StateRegion.M.ordinal()];
    this.vBuf = state[StateRegion.V.ordinal()];
    this.slowBuf = state[StateRegion.SLOW.ordinal()];
    this.emaBuf = state[StateRegion.EMA.ordinal()];
    this.accBuf = state[StateRegion.ACCUMULATED.ordinal()];
    try {
      if (call % accumulation != 0) {
        parallel.forEach(chunks, CHUNK, accumulateTask);
        return false;
      }
      prepare(call / accumulation);
      if (clip) {
        parallel.forEach(chunks, 2L * CHUNK, clipTask);
        double sum = 0;
        for (int c = 0; c < chunks; c++) {
          sum += partialA[c];
        }
        double norm = Math.sqrt(sum);
        clipScale = (float) (program.clipNorm() / Math.max(norm, program.clipNorm()));
      }
      if (method == Method.ADAFACTOR) {
        parallel.forEach(tensors, 4L * size / Math.max(1, tensors), adafactorStatsTask);
        parallel.forEach(chunks, 8L * CHUNK, adafactorRmsTask);
        double threshold = program.clippingThreshold();
        for (int t = 0; t < tensors; t++) {
          double rms = Math.sqrt(sumChunks(partialA, t) / tSize[t]);
          tClipDiv[t] = threshold > 0 ? (float) Math.max(1, rms / threshold) : 1f;
        }
      }
      if (program.hasLayerAdaptation()) {
        parallel.forEach(chunks, 16L * CHUNK, lambTask);
        double lrFloor = Math.max(lastLearningRate, OptimizerProgram.LAYER_ADAPTATION_MIN_LR);
        for (int t = 0; t < tensors; t++) {
          if (!tAdapt[t]) {
            continue;
          }
          double thetaNorm = Math.sqrt(sumChunks(partialA, t));
          double deltaNorm = Math.sqrt(sumChunks(partialB, t)) / lrFloor;
          double ratio = thetaNorm > 0 && deltaNorm > 0 ? thetaNorm / deltaNorm : 1;
          tScale[t] = (float) (ratio * tMultiplier[t]);
        }
      }
      parallel.forEach(chunks, 16L * CHUNK, updateTask);
      if (method == Method.ADAFACTOR) {
        for (int t = 0; t < tensors; t++) {
          if (tFactored[t]) {
            vBuf.put(tVOffset[t], afRow[t], 0, tRows[t]);
            vBuf.put(tVOffset[t] + tRows[t], afCol[t], 0, tCols[t]);
          }
        }
      }
      return true;
    } finally {
      this.params = null;
      this.grads = null;
      this.mBuf = null;
      this.vBuf = null;
      this.slowBuf = null;
      this.emaBuf = null;
      this.accBuf = null;
    }
  }

  private double sumChunks(double[] partial, int t) {
    double sum = 0;
    for (int c = tFirstChunk[t]; c < tEndChunk[t]; c++) {
      sum += partial[c];
    }
    return sum;
  }

  /** The scalars of update {@code u}. */
  private void prepare(long u) {
    double rate = program.learningRate(u);
    lastLearningRate = rate;
    lr = (float) rate;
    kf = accumulation;
    clip = program.clipNorm() > 0;
    clipScale = 1f;
    initSlow = program.hasLookahead() && u == 1;
    sync = program.hasLookahead() && u % program.lookaheadSteps() == 0;
    alpha = (float) program.lookaheadAlpha();
    emaMu = (float) program.emaMomentum();
    emaC = (float) (1 - program.emaMomentum());
    for (int t = 0; t < tensors; t++) {
      tWeightDecay[t] = tDecay[t] ? (float) (rate * program.weightDecayRate()) : 0f;
      tScale[t] = (float) tMultiplier[t];
      tClipDiv[t] = 1f;
      tParameterScale[t] = 1f;
    }
    switch (method) {
      case ADAM -> {
        b1 = (float) program.beta1();
        b2 = (float) program.beta2();
        c1 = (float) (1 - program.beta1());
        c2 = (float) (1 - program.beta2());
        mScale = program.biasCorrection() ? (float) (1 / (1 - Math.pow(program.beta1(), u))) : 1f;
        vScale = program.biasCorrection() ? (float) (1 / (1 - Math.pow(program.beta2(), u))) : 1f;
        eps = (float) program.epsilon();
      }
      case SGD -> b1 = (float) program.momentum();
      case LION -> {
        b1 = (float) program.beta1();
        b2 = (float) program.beta2();
        c1 = (float) (1 - program.beta1());
        c2 = (float) (1 - program.beta2());
      }
      case ADAFACTOR -> {
        b1 = (float) program.beta1();
        c1 = (float) (1 - program.beta1());
        double beta2 = program.adafactorBeta2(u);
        b2 = (float) beta2;
        c2 = (float) (1 - beta2);
        eps1 = (float) program.epsilon1();
      }
    }
  }

  // ---------------------------------------------------------------- tasks

  /** A step that only accumulates: A += G. */
  private void accumulateChunk(Scratch s, int c) {
    int start = cStart[c];
    int len = cEnd[c] - start;
    float[] g = s.g;
    float[] a = s.a;
    grads.get(start, g, 0, len);
    accBuf.get(start, a, 0, len);
    for (int i = 0; i < len; i++) {
      a[i] += g[i];
    }
    accBuf.put(start, a, 0, len);
  }

  /** Loads the gradient the base rule sees into s.g: the accumulated mean, clipped. */
  private void loadGradient(Scratch s, int start, int len, boolean clipped) {
    float[] g = s.g;
    grads.get(start, g, 0, len);
    if (accumulation > 1) {
      float[] a = s.a;
      accBuf.get(start, a, 0, len);
      float k = kf;
      for (int i = 0; i < len; i++) {
        g[i] = (a[i] + g[i]) / k;
      }
    }
    if (clipped && clip) {
      float scale = clipScale;
      for (int i = 0; i < len; i++) {
        g[i] *= scale;
      }
    }
  }

  private void clipChunk(Scratch s, int c) {
    int start = cStart[c];
    int len = cEnd[c] - start;
    loadGradient(s, start, len, false);
    float[] g = s.g;
    double sum = 0;
    for (int i = 0; i < len; i++) {
      sum += (double) g[i] * g[i];
    }
    partialA[c] = sum;
  }

  /**
   * AdaFactor, per tensor: the parameter scale max(rms(θ), ε₂) and, for a factored tensor, this
   * update's row and column statistics of g² + ε₁ (into afRow, afCol; stored after the update).
   */
  private void adafactorStats(Scratch s, int t) {
    float[] p = s.p;
    float[] g = s.g;
    double thetaSum = 0;
    boolean factored = tFactored[t];
    int cols = tCols[t];
    double[] colSums = s.colSums;
    if (factored) {
      java.util.Arrays.fill(colSums, 0, cols, 0);
    }
    float e1 = eps1;
    for (int c = tFirstChunk[t]; c < tEndChunk[t]; c++) {
      int start = cStart[c];
      int len = cEnd[c] - start;
      if (tScaleByParameter[t]) {
        params.get(start, p, 0, len);
        for (int i = 0; i < len; i++) {
          thetaSum += (double) p[i] * p[i];
        }
      }
      if (!factored) {
        continue;
      }
      loadGradient(s, start, len, true);
      int row0 = (start - tOffset[t]) / cols;
      for (int r = 0; r < len / cols; r++) {
        double rowSum = 0;
        int base = r * cols;
        for (int j = 0; j < cols; j++) {
          double g2 = g[base + j] * g[base + j] + e1;
          rowSum += g2;
          colSums[j] += g2;
        }
        int row = row0 + r;
        afRow[t][row] = (float) (rowSum / cols);
      }
    }
    tParameterScale[t] = tScaleByParameter[t]
        ? (float) Math.max(Math.sqrt(thetaSum / tSize[t]), program.epsilon2()) : 1f;
    if (!factored) {
      return;
    }
    int rows = tRows[t];
    float beta2 = b2;
    float rest = c2;
    double rowMean = 0;
    for (int i = 0; i < rows; i++) {
      float v = beta2 * vBuf.get(tVOffset[t] + i) + rest * afRow[t][i];
      afRow[t][i] = v;
      rowMean += v;
    }
    double colMean = 0;
    for (int j = 0; j < cols; j++) {
      float v = beta2 * vBuf.get(tVOffset[t] + rows + j) + rest * (float) (colSums[j] / rows);
      afCol[t][j] = v;
      colMean += v;
    }
    // bert4keras divides by the mean of the statistic taken over the largest axis.
    afDen[t] = (float) (cols >= rows ? rowMean / rows : colMean / cols);
  }

  /** AdaFactor: Σu² of each chunk, u = g / √(v + ε₁) with this update's v. */
  private void adafactorRmsChunk(Scratch s, int c) {
    int t = cTensor[c];
    int start = cStart[c];
    int len = cEnd[c] - start;
    loadGradient(s, start, len, true);
    float[] g = s.g;
    float[] u = s.d;
    adafactorU(s, t, start, len);
    double sum = 0;
    for (int i = 0; i < len; i++) {
      sum += (double) u[i] * u[i];
    }
    partialA[c] = sum;
  }

  /**
   * AdaFactor's raw update u = g / √(v + ε₁) into s.d, with this update's second moment (left in s.v
   * for an unfactored tensor).
   */
  private void adafactorU(Scratch s, int t, int start, int len) {
    float[] g = s.g;
    float[] u = s.d;
    float e1 = eps1;
    if (tFactored[t]) {
      int cols = tCols[t];
      int row0 = (start - tOffset[t]) / cols;
      float[] colStat = afCol[t];
      float den = afDen[t];
      for (int r = 0; r < len / cols; r++) {
        float rowStat = afRow[t][row0 + r];
        int base = r * cols;
        for (int j = 0; j < cols; j++) {
          float v = rowStat * colStat[j] / den;
          u[base + j] = g[base + j] / (float) Math.sqrt(v + e1);
        }
      }
    } else {
      float[] v = s.v;
      vBuf.get(tVOffset[t] + (start - tOffset[t]), v, 0, len);
      float beta2 = b2;
      float rest = c2;
      for (int i = 0; i < len; i++) {
        float vi = beta2 * v[i] + rest * (g[i] * g[i] + e1);
        v[i] = vi;
        u[i] = g[i] / (float) Math.sqrt(vi + e1);
      }
    }
  }

  /** LAMB: ‖θ‖² and ‖Δ‖² of each chunk, from a dry run of the update. */
  private void lambChunk(Scratch s, int c) {
    int t = cTensor[c];
    if (!tAdapt[t]) {
      return;
    }
    int start = cStart[c];
    int len = cEnd[c] - start;
    loadAll(s, t, start, len);
    delta(s, t, start, len);
    float[] p = s.p;
    float[] d = s.d;
    double thetaSum = 0;
    double deltaSum = 0;
    for (int i = 0; i < len; i++) {
      thetaSum += (double) p[i] * p[i];
      deltaSum += (double) d[i] * d[i];
    }
    partialA[c] = thetaSum;
    partialB[c] = deltaSum;
  }

  /** The whole update of one chunk, stored. */
  private void updateChunk(Scratch s, int c) {
    int t = cTensor[c];
    int start = cStart[c];
    int len = cEnd[c] - start;
    loadAll(s, t, start, len);
    float[] p = s.p;
    float[] slow = s.slow;
    if (initSlow) {
      System.arraycopy(p, 0, slow, 0, len);
    } else if (sync) {
      slowBuf.get(start, slow, 0, len);
    }
    delta(s, t, start, len);
    float[] d = s.d;
    float scale = tScale[t];
    if (scale == 1f) {
      for (int i = 0; i < len; i++) {
        p[i] += d[i];
      }
    } else {
      for (int i = 0; i < len; i++) {
        p[i] += d[i] * scale;
      }
    }
    if (sync) {
      float a = alpha;
      for (int i = 0; i < len; i++) {
        float q = slow[i] + a * (p[i] - slow[i]);
        slow[i] = q;
        p[i] = q;
      }
    }
    if (emaBuf != null) {
      float[] e = s.e;
      emaBuf.get(start, e, 0, len);
      float mu = emaMu;
      float rest = emaC;
      for (int i = 0; i < len; i++) {
        e[i] = mu * e[i] + rest * p[i];
      }
      emaBuf.put(start, e, 0, len);
    }
    params.put(start, p, 0, len);
    if (initSlow || sync) {
      slowBuf.put(start, slow, 0, len);
    }
    if (mBuf != null) {
      mBuf.put(start, s.m, 0, len);
    }
    if (vBuf != null && method == Method.ADAM) {
      vBuf.put(start, s.v, 0, len);
    } else if (method == Method.ADAFACTOR && !tFactored[t]) {
      vBuf.put(tVOffset[t] + (start - tOffset[t]), s.v, 0, len);
    }
    if (accBuf != null) {
      accBuf.put(start, s.zeros, 0, len);
    }
  }

  /** Loads θ, the processed gradient and the moments of a chunk into scratch. */
  private void loadAll(Scratch s, int t, int start, int len) {
    params.get(start, s.p, 0, len);
    loadGradient(s, start, len, true);
    if (mBuf != null) {
      mBuf.get(start, s.m, 0, len);
    }
    if (method == Method.ADAM) {
      vBuf.get(start, s.v, 0, len);
    }
  }

  /**
   * The update so far (base rule and weight decay) into s.d, advancing the moments in scratch; rows of
   * a lazy tensor whose gradient is all zero get Δ = 0 and keep their moments.
   */
  private void delta(Scratch s, int t, int start, int len) {
    if (method == Method.ADAFACTOR) {
      // u for the whole chunk first (it also advances an unfactored v); lazy rows restore v below.
      if (tLazy[t] && !tFactored[t]) {
        vBuf.get(tVOffset[t] + (start - tOffset[t]), s.vOld, 0, len);
      }
      adafactorU(s, t, start, len);
    }
    if (!tLazy[t]) {
      deltaRange(s, t, 0, len);
      return;
    }
    float[] g = s.g;
    float[] d = s.d;
    int row = tRowLen[t];
    for (int from = 0; from < len; from += row) {
      int to = from + row;
      boolean active = false;
      for (int i = from; i < to; i++) {
        if (g[i] != 0f) {
          active = true;
          break;
        }
      }
      if (active) {
        deltaRange(s, t, from, to);
      } else {
        java.util.Arrays.fill(d, from, to, 0f);
        if (method == Method.ADAFACTOR && !tFactored[t]) {
          System.arraycopy(s.vOld, from, s.v, from, to - from);
        }
      }
    }
  }

  /** Base rule and weight decay over scratch positions [from, to). */
  private void deltaRange(Scratch s, int t, int from, int to) {
    float[] p = s.p;
    float[] g = s.g;
    float[] m = s.m;
    float[] v = s.v;
    float[] d = s.d;
    float wd = tWeightDecay[t];
    float rate = lr;
    switch (method) {
      case ADAM -> {
        float beta1 = b1;
        float beta2 = b2;
        float rest1 = c1;
        float rest2 = c2;
        float step = -rate * mScale;
        float vs = vScale;
        float e = eps;
        for (int i = from; i < to; i++) {
          float gi = g[i];
          float mi = beta1 * m[i] + rest1 * gi;
          float vi = beta2 * v[i] + rest2 * gi * gi;
          m[i] = mi;
          v[i] = vi;
          d[i] = step * mi / ((float) Math.sqrt(vi * vs) + e) - wd * p[i];
        }
      }
      case SGD -> {
        float mu = b1;
        if (mu == 0f) {
          for (int i = from; i < to; i++) {
            d[i] = -(rate * g[i]) - wd * p[i];
          }
        } else if (program.nesterov()) {
          for (int i = from; i < to; i++) {
            float velocity = mu * m[i] - rate * g[i];
            m[i] = velocity;
            d[i] = (mu * velocity - rate * g[i]) - wd * p[i];
          }
        } else {
          for (int i = from; i < to; i++) {
            float velocity = mu * m[i] - rate * g[i];
            m[i] = velocity;
            d[i] = velocity - wd * p[i];
          }
        }
      }
      case LION -> {
        float beta1 = b1;
        float beta2 = b2;
        float rest1 = c1;
        float rest2 = c2;
        for (int i = from; i < to; i++) {
          float gi = g[i];
          float direction = Math.signum(beta1 * m[i] + rest1 * gi);
          m[i] = beta2 * m[i] + rest2 * gi;
          d[i] = -(rate * direction) - wd * p[i];
        }
      }
      case ADAFACTOR -> {
        // s.d holds u = g / √(v + ε₁) (adafactorU)
        float clipDiv = tClipDiv[t];
        float scale = tParameterScale[t];
        boolean momentum = b1 > 0f;
        float beta1 = b1;
        float rest1 = c1;
        for (int i = from; i < to; i++) {
          float ui = d[i] / clipDiv;
          if (momentum) {
            ui = beta1 * m[i] + rest1 * ui;
            m[i] = ui;
          }
          d[i] = -(rate * (ui * scale)) - wd * p[i];
        }
      }
    }
  }

  /** Per-thread scratch: one chunk of each stream. */
  private static final class Scratch {
    final float[] p;
    final float[] g;
    final float[] a;
    final float[] m;
    final float[] v;
    final float[] vOld;
    final float[] d;
    final float[] slow;
    final float[] e;
    final float[] zeros;
    final double[] colSums;

    Scratch(int floats, int cols) {
      p = new float[floats];
      g = new float[floats];
      a = new float[floats];
      m = new float[floats];
      v = new float[floats];
      vOld = new float[floats];
      d = new float[floats];
      slow = new float[floats];
      e = new float[floats];
      zeros = new float[floats];
      colSums = new double[cols];
    }
  }
}
