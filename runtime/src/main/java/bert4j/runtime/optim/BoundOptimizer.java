package bert4j.runtime.optim;

import bert4j.dsl.Method;
import bert4j.runtime.ParameterInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An {@link OptimizerProgram} bound to one model's parameters: what every backend needs to run the
 * program's fused update, and nothing of how one runs it. The name patterns are resolved here, once,
 * to per-tensor flags; the optimizer state is laid out in {@link StateRegion}s (which tensor of state
 * lives where, under which checkpoint name); and {@link #step} works out the scalars of each training
 * step (the scheduled learning rate, the bias corrections, lookahead's and the moving average's
 * counters). Backends run the update itself ({@code Kernels.optimizerStep}).
 *
 * <p>Instances are not thread-safe: one model, one bound optimizer, one step at a time.
 */
public final class BoundOptimizer {
  private final OptimizerProgram program;
  private final Method method;
  private final List<ParameterInfo> parameters;
  private final int size;
  private final int accumulation;
  private final long[] regionFloats = new long[StateRegion.COUNT];
  private final List<StateTensor> stateTensors;

  // per tensor
  private final int[] tOffset;
  private final int[] tSize;
  private final int[] tRowLength;
  private final boolean[] tDecay;
  private final boolean[] tAdapt;
  private final boolean[] tLazy;
  private final boolean[] tFactored;
  private final boolean[] tScaleByParameter;
  private final double[] tMultiplier;
  private final int[] tVOffset;

  private final OptimizerStep step = new OptimizerStep();
  private double lastLearningRate;

  BoundOptimizer(OptimizerProgram program, List<ParameterInfo> parameters) {
    this.program = program;
    this.method = program.method();
    this.parameters = List.copyOf(parameters);
    this.accumulation = program.accumulationSteps();
    int tensors = parameters.size();
    tOffset = new int[tensors];
    tSize = new int[tensors];
    tRowLength = new int[tensors];
    tDecay = new boolean[tensors];
    tAdapt = new boolean[tensors];
    tLazy = new boolean[tensors];
    tFactored = new boolean[tensors];
    tScaleByParameter = new boolean[tensors];
    tMultiplier = new double[tensors];
    tVOffset = new int[tensors];

    long offset = 0;
    long vFloats = 0;
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
      tRowLength[t] = shape.length == 0 ? 1 : shape[shape.length - 1];
      tDecay[t] = program.decays(name);
      tAdapt[t] = program.adapts(name);
      tLazy[t] = program.lazy(name);
      tMultiplier[t] = program.multiplier(name);
      tScaleByParameter[t] = method == Method.ADAFACTOR && program.scalesByParameter(name);
      if (method == Method.ADAFACTOR) {
        tVOffset[t] = (int) vFloats;
        if (shape.length == 2 && Math.min(shape[0], shape[1]) >= program.factorMinDim()) {
          tFactored[t] = true;
          vFloats += shape[0] + shape[1];
        } else {
          vFloats += p.size();
        }
      }
      offset += p.size();
      if (offset > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("a bound optimizer supports up to " + Integer.MAX_VALUE
            + " parameters");
      }
    }
    this.size = (int) offset;

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
      for (int t = 0; t < tensorCount(); t++) {
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
            list.add(new StateTensor("optimizer.v_row." + p.name(), new int[] {rows(t)}, region,
                tVOffset[t]));
            list.add(new StateTensor("optimizer.v_col." + p.name(), new int[] {tRowLength[t]},
                region, tVOffset[t] + rows(t)));
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

  // ---------------------------------------------------------------- the whole

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

  // ---------------------------------------------------------------- per tensor

  /** Number of parameter tensors; tensor {@code index} is {@code parameters().get(index)}. */
  public int tensorCount() {
    return tOffset.length;
  }

  /** Where tensor {@code index} starts in the flat buffers (and in every state region but V). */
  public int offset(int index) {
    return tOffset[index];
  }

  /** Floats of tensor {@code index}. */
  public int size(int index) {
    return tSize[index];
  }

  /** The length of a row of tensor {@code index}: its last dimension (1 for a scalar). */
  public int rowLength(int index) {
    return tRowLength[index];
  }

  /** The rows of tensor {@code index}: its size over its row length. */
  public int rows(int index) {
    return tSize[index] / tRowLength[index];
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

  /**
   * Whether AdaFactor factors the second moment of parameter {@code index}: into {@link #rows} row
   * statistics and then {@link #rowLength} column statistics, from {@link #secondMomentOffset}.
   */
  public boolean factored(int index) {
    return tFactored[index];
  }

  /** Whether AdaFactor scales the update of parameter {@code index} by max(rms(θ), ε₂). */
  public boolean scalesByParameter(int index) {
    return tScaleByParameter[index];
  }

  /** AdaFactor: where the second moment of parameter {@code index} starts in region V. */
  public int secondMomentOffset(int index) {
    return tVOffset[index];
  }

  // ---------------------------------------------------------------- the steps

  /**
   * Starts training step {@code call} (1-based): the scalars a backend runs it with (valid until the
   * next call), and, when it updates, {@link #lastLearningRate} becomes its rate.
   */
  public OptimizerStep step(long call) {
    if (call < 1) {
      throw new IllegalArgumentException("training steps count from 1, got " + call);
    }
    OptimizerStep s = step;
    s.call = call;
    s.updates = updates(call);
    if (!s.updates) {
      s.update = 0;
      return s;
    }
    long u = call / accumulation;
    double rate = program.learningRate(u);
    lastLearningRate = rate;
    s.update = u;
    s.learningRate = rate;
    s.rate = (float) rate;
    s.weightDecay = (float) (rate * program.weightDecayRate());
    s.layerAdaptationRate = Math.max(rate, OptimizerProgram.LAYER_ADAPTATION_MIN_LR);
    s.initializesSlow = program.hasLookahead() && u == 1;
    s.synchronizes = program.hasLookahead() && u % program.lookaheadSteps() == 0;
    s.lookaheadAlpha = (float) program.lookaheadAlpha();
    s.emaMomentum = (float) program.emaMomentum();
    s.emaRest = (float) (1 - program.emaMomentum());
    s.beta1 = 0f;
    s.beta2 = 0f;
    s.oneMinusBeta1 = 0f;
    s.oneMinusBeta2 = 0f;
    s.momentum = 0f;
    s.firstMomentScale = 1f;
    s.secondMomentScale = 1f;
    s.epsilon = 0f;
    s.epsilon1 = 0f;
    switch (method) {
      case ADAM -> {
        s.beta1 = (float) program.beta1();
        s.beta2 = (float) program.beta2();
        s.oneMinusBeta1 = (float) (1 - program.beta1());
        s.oneMinusBeta2 = (float) (1 - program.beta2());
        if (program.biasCorrection()) {
          s.firstMomentScale = (float) (1 / (1 - Math.pow(program.beta1(), u)));
          s.secondMomentScale = (float) (1 / (1 - Math.pow(program.beta2(), u)));
        }
        s.epsilon = (float) program.epsilon();
      }
      case SGD -> s.momentum = (float) program.momentum();
      case LION -> {
        s.beta1 = (float) program.beta1();
        s.beta2 = (float) program.beta2();
        s.oneMinusBeta1 = (float) (1 - program.beta1());
        s.oneMinusBeta2 = (float) (1 - program.beta2());
      }
      case ADAFACTOR -> {
        s.beta1 = (float) program.beta1();
        s.oneMinusBeta1 = (float) (1 - program.beta1());
        double beta2 = program.adafactorBeta2(u);
        s.beta2 = (float) beta2;
        s.oneMinusBeta2 = (float) (1 - beta2);
        s.epsilon1 = (float) program.epsilon1();
      }
    }
    return s;
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
}
