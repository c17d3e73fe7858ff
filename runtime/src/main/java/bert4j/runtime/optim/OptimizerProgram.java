package bert4j.runtime.optim;

import bert4j.dsl.Method;
import bert4j.runtime.ParameterInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The optimizer of one model, compiled from its {@code @Optimizer} spec into constants: the base rule,
 * its hyper-parameters and the extensions that wrap it. Generated code builds one as a static constant
 * ({@code OptimizerProgram.adam(...).withWeightDecay(...)...}); a model {@linkplain #bind binds} it to
 * its parameters once, resolving name patterns to per-tensor flags, and runs the bound program's one
 * fused update per training step.
 *
 * <p>Instances are immutable; every {@code with*} method returns a new program and checks its
 * arguments as the annotation processor does (so a program built by hand fails as early).
 *
 * <p>The extensions compose in one fixed order, innermost first: gradient accumulation (the mean of k
 * gradients), clipping by global norm, the base rule at the scheduled learning rate, weight decay, lazy
 * rows, layer adaptation, parameter-wise multipliers, lookahead, and the moving average. Every counter
 * counts updates (not training steps).
 */
public final class OptimizerProgram {
  /** The smallest learning rate layer adaptation divides by (Keras's {@code K.epsilon()}). */
  public static final double LAYER_ADAPTATION_MIN_LR = 1e-7;

  private Method method;
  private double learningRate;
  private double beta1;
  private double beta2;
  private double epsilon;
  private boolean biasCorrection;
  private double momentum;
  private boolean nesterov;
  // AdaFactor
  private double epsilon1 = 1e-30;
  private double epsilon2 = 1e-3;
  private double clippingThreshold = 1.0;
  private boolean parameterScale = true;
  private List<String> excludeFromParameterScale = List.of();
  private boolean relativeStep;
  private int factorMinDim = 128;
  // extensions; null or 0 when absent
  private double weightDecayRate;
  private List<String> excludeFromWeightDecay = List.of();
  private List<String> excludeFromLayerAdaptation;
  private long[] scheduleSteps;
  private double[] scheduleMultipliers;
  /** The schedule with (0, 0) in front when it does not start at step 0. */
  private long[] scheduleFromZeroSteps;
  private double[] scheduleFromZeroMultipliers;
  private int accumulationSteps = 1;
  private int lookaheadSteps;
  private double lookaheadAlpha;
  private List<String> lazyInclude;
  private double emaMomentum;
  private List<String> multiplierPatterns = List.of();
  private double[] multiplierValues = new double[0];
  private double clipNorm;

  private OptimizerProgram(Method method, double learningRate) {
    this.method = method;
    this.learningRate = learningRate;
    requirePositive("learningRate", learningRate);
  }

  private OptimizerProgram copy() {
    OptimizerProgram p = new OptimizerProgram(method, learningRate);
    p.beta1 = beta1;
    p.beta2 = beta2;
    p.epsilon = epsilon;
    p.biasCorrection = biasCorrection;
    p.momentum = momentum;
    p.nesterov = nesterov;
    p.epsilon1 = epsilon1;
    p.epsilon2 = epsilon2;
    p.clippingThreshold = clippingThreshold;
    p.parameterScale = parameterScale;
    p.excludeFromParameterScale = excludeFromParameterScale;
    p.relativeStep = relativeStep;
    p.factorMinDim = factorMinDim;
    p.weightDecayRate = weightDecayRate;
    p.excludeFromWeightDecay = excludeFromWeightDecay;
    p.excludeFromLayerAdaptation = excludeFromLayerAdaptation;
    p.scheduleSteps = scheduleSteps;
    p.scheduleMultipliers = scheduleMultipliers;
    p.scheduleFromZeroSteps = scheduleFromZeroSteps;
    p.scheduleFromZeroMultipliers = scheduleFromZeroMultipliers;
    p.accumulationSteps = accumulationSteps;
    p.lookaheadSteps = lookaheadSteps;
    p.lookaheadAlpha = lookaheadAlpha;
    p.lazyInclude = lazyInclude;
    p.emaMomentum = emaMomentum;
    p.multiplierPatterns = multiplierPatterns;
    p.multiplierValues = multiplierValues;
    p.clipNorm = clipNorm;
    return p;
  }

  // ---------------------------------------------------------------- bases

  /**
   * Adam: m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; θ −= lr·m̂/(√v̂ + ε), m̂ = m/(1−β₁ᵗ) and
   * v̂ = v/(1−β₂ᵗ) with bias correction, m̂ = m and v̂ = v without.
   */
  public static OptimizerProgram adam(double learningRate, double beta1, double beta2, double epsilon,
      boolean biasCorrection) {
    OptimizerProgram p = new OptimizerProgram(Method.ADAM, learningRate);
    p.beta1 = requireUnitInterval("beta1", beta1);
    p.beta2 = requireUnitInterval("beta2", beta2);
    p.epsilon = requirePositive("epsilon", epsilon);
    p.biasCorrection = biasCorrection;
    return p;
  }

  /** SGD as Keras: v = μv − lr·g; θ += v (Nesterov: θ += μv − lr·g); plain θ −= lr·g when μ = 0. */
  public static OptimizerProgram sgd(double learningRate, double momentum, boolean nesterov) {
    OptimizerProgram p = new OptimizerProgram(Method.SGD, learningRate);
    p.momentum = requireUnitInterval("momentum", momentum);
    if (nesterov && momentum == 0) {
      throw new IllegalArgumentException("nesterov=true needs momentum > 0");
    }
    p.nesterov = nesterov;
    return p;
  }

  /** Lion: θ −= lr·sign(β₁m + (1−β₁)g); m = β₂m + (1−β₂)g. */
  public static OptimizerProgram lion(double learningRate, double beta1, double beta2) {
    OptimizerProgram p = new OptimizerProgram(Method.LION, learningRate);
    p.beta1 = requireUnitInterval("beta1", beta1);
    p.beta2 = requireUnitInterval("beta2", beta2);
    return p;
  }

  /**
   * AdaFactor as bert4keras. {@code beta1} 0 keeps no first moment; {@code beta2} NaN uses the decay
   * schedule 1 − t^−0.8; {@code clippingThreshold} 0 turns update clipping off; with
   * {@code relativeStep} the learning rate is min(1/√t, 0.01) (× 0.05 without parameter scale) and
   * {@code learningRate} is ignored.
   */
  public static OptimizerProgram adafactor(double learningRate, double beta1, double beta2,
      double epsilon1, double epsilon2, double clippingThreshold, boolean parameterScale,
      boolean relativeStep, int factorMinDim, String... excludeFromParameterScale) {
    OptimizerProgram p = new OptimizerProgram(Method.ADAFACTOR, learningRate);
    p.beta1 = requireUnitInterval("beta1", beta1);
    p.beta2 = Double.isNaN(beta2) ? Double.NaN : requireUnitInterval("beta2", beta2);
    p.epsilon1 = requirePositive("epsilon1", epsilon1);
    p.epsilon2 = requirePositive("epsilon2", epsilon2);
    if (!(clippingThreshold >= 0) || Double.isInfinite(clippingThreshold)) {
      throw new IllegalArgumentException("clippingThreshold=" + clippingThreshold
          + " must be positive, or 0 for no update clipping");
    }
    p.clippingThreshold = clippingThreshold;
    p.parameterScale = parameterScale;
    p.relativeStep = relativeStep;
    if (factorMinDim < 1) {
      throw new IllegalArgumentException("factorMinDim=" + factorMinDim + " must be at least 1");
    }
    p.factorMinDim = factorMinDim;
    p.excludeFromParameterScale = patterns("excludeFromParameterScale", excludeFromParameterScale);
    return p;
  }

  // ---------------------------------------------------------------- extensions

  /** Decoupled weight decay: θ ← θ′ − lr·rate·θ for parameters no {@code exclude} regex finds. */
  public OptimizerProgram withWeightDecay(double rate, String... exclude) {
    OptimizerProgram p = copy();
    p.weightDecayRate = requirePositive("weight decay rate", rate);
    p.excludeFromWeightDecay = patterns("weight decay exclude", exclude);
    return p;
  }

  /** LAMB's layer adaptation for parameters no {@code exclude} regex finds. */
  public OptimizerProgram withLayerAdaptation(String... exclude) {
    OptimizerProgram p = copy();
    p.excludeFromLayerAdaptation = patterns("layer adaptation exclude", exclude);
    return p;
  }

  /**
   * A piecewise-linear learning-rate multiplier through the points (steps[i], multipliers[i]), from 0
   * at step 0 unless steps[0] is 0, constant after the last point; update t uses its value at t − 1
   * (the updates done before it), as bert4keras evaluates it at {@code iterations}.
   */
  public OptimizerProgram withSchedule(long[] steps, double[] multipliers) {
    if (steps.length == 0 || steps.length != multipliers.length) {
      throw new IllegalArgumentException("a schedule needs as many steps as multipliers, at least one; got "
          + steps.length + " and " + multipliers.length);
    }
    for (int i = 0; i < steps.length; i++) {
      if (steps[i] < 0 || (i > 0 && steps[i] <= steps[i - 1])) {
        throw new IllegalArgumentException("schedule steps must be >= 0 and strictly increasing, got "
            + Arrays.toString(steps));
      }
      if (!(multipliers[i] >= 0) || Double.isInfinite(multipliers[i])) {
        throw new IllegalArgumentException("schedule multiplier " + multipliers[i]
            + " must be finite and >= 0");
      }
    }
    OptimizerProgram p = copy();
    p.scheduleSteps = steps.clone();
    p.scheduleMultipliers = multipliers.clone();
    int from = steps[0] == 0 ? 0 : 1;
    p.scheduleFromZeroSteps = new long[steps.length + from];
    p.scheduleFromZeroMultipliers = new double[steps.length + from];
    System.arraycopy(steps, 0, p.scheduleFromZeroSteps, from, steps.length);
    System.arraycopy(multipliers, 0, p.scheduleFromZeroMultipliers, from, steps.length);
    return p;
  }

  /** Gradient accumulation: update every {@code steps} training steps with the mean gradient. */
  public OptimizerProgram withAccumulation(int steps) {
    if (steps < 1) {
      throw new IllegalArgumentException("accumulation steps=" + steps + " must be at least 1");
    }
    OptimizerProgram p = copy();
    p.accumulationSteps = steps;
    return p;
  }

  /** Lookahead: after every {@code steps}-th update, slow += α(θ − slow); θ = slow. */
  public OptimizerProgram withLookahead(int steps, double alpha) {
    if (steps < 1) {
      throw new IllegalArgumentException("lookahead steps=" + steps + " must be at least 1");
    }
    if (!(alpha > 0 && alpha <= 1)) {
      throw new IllegalArgumentException("lookahead alpha=" + alpha + " must be in (0, 1]");
    }
    OptimizerProgram p = copy();
    p.lookaheadSteps = steps;
    p.lookaheadAlpha = alpha;
    return p;
  }

  /** Lazy optimization of the rows of parameters an {@code include} regex finds. */
  public OptimizerProgram withLazy(String... include) {
    if (include.length == 0) {
      throw new IllegalArgumentException("lazy optimization needs at least one include pattern");
    }
    OptimizerProgram p = copy();
    p.lazyInclude = patterns("lazy include", include);
    return p;
  }

  /** An exponential moving average of the weights with momentum μ in (0, 1). */
  public OptimizerProgram withEma(double momentum) {
    if (!(momentum > 0 && momentum < 1)) {
      throw new IllegalArgumentException("ema momentum=" + momentum + " must be in (0, 1)");
    }
    OptimizerProgram p = copy();
    p.emaMomentum = momentum;
    return p;
  }

  /** Scales the update of parameters whose name contains {@code pattern} (a plain substring). */
  public OptimizerProgram withMultiplier(String pattern, double value) {
    if (pattern == null || pattern.isEmpty()) {
      throw new IllegalArgumentException("a multiplier pattern must not be empty");
    }
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException("multiplier " + value + " for '" + pattern
          + "' must be finite and >= 0");
    }
    OptimizerProgram p = copy();
    List<String> names = new ArrayList<>(multiplierPatterns);
    names.add(pattern);
    p.multiplierPatterns = List.copyOf(names);
    p.multiplierValues = Arrays.copyOf(multiplierValues, multiplierValues.length + 1);
    p.multiplierValues[multiplierValues.length] = value;
    return p;
  }

  /** Clips the gradient to global L2 norm at most {@code max}. */
  public OptimizerProgram withClipNorm(double max) {
    OptimizerProgram p = copy();
    p.clipNorm = requirePositive("clipNorm", max);
    return p;
  }

  // ---------------------------------------------------------------- queries

  public Method method() {
    return method;
  }

  /** Training steps per update (1 without accumulation). */
  public int accumulationSteps() {
    return accumulationSteps;
  }

  public boolean hasEma() {
    return emaMomentum > 0;
  }

  public double emaMomentum() {
    return emaMomentum;
  }

  public boolean hasLookahead() {
    return lookaheadSteps > 0;
  }

  /** Whether SGD's momentum is Nesterov's. */
  public boolean nesterov() {
    return nesterov;
  }

  /** The global gradient norm the gradient is clipped to; 0 without clipping. */
  public double clipNorm() {
    return clipNorm;
  }

  /** Whether some tensors are layer-adapted (LAMB). */
  public boolean hasLayerAdaptation() {
    return excludeFromLayerAdaptation != null;
  }

  /** AdaFactor's update clipping: the rms an update is divided down to; 0 for none. */
  public double clippingThreshold() {
    return clippingThreshold;
  }

  /** AdaFactor's ε₂, the smallest parameter scale. */
  public double epsilon2() {
    return epsilon2;
  }

  /**
   * The schedule's multiplier at {@code t} updates done (1 without a schedule), by bert4keras's
   * {@code piecewise_linear(t, schedule, from_zero=True)}.
   */
  public double scheduleMultiplier(long t) {
    if (scheduleSteps == null) {
      return 1;
    }
    long[] steps = scheduleFromZeroSteps;
    double[] values = scheduleFromZeroMultipliers;
    if (t >= steps[steps.length - 1]) {
      return values[values.length - 1];
    }
    int i = 0;
    while (t >= steps[i + 1]) {
      i++;
    }
    double slope = (values[i + 1] - values[i]) / (double) (steps[i + 1] - steps[i]);
    return values[i] + slope * (t - steps[i]);
  }

  /**
   * The learning rate of update number {@code update} (1-based): the base rate (or AdaFactor's relative
   * step) times the schedule at {@code update − 1}. Parameter-wise multipliers and layer adaptation
   * come on top, per tensor.
   */
  public double learningRate(long update) {
    if (update < 1) {
      throw new IllegalArgumentException("updates count from 1, got " + update);
    }
    double base = learningRate;
    if (method == Method.ADAFACTOR && relativeStep) {
      base = Math.min(1 / Math.sqrt(update), 0.01) * (parameterScale ? 1 : 0.05);
    }
    return base * scheduleMultiplier(update - 1);
  }

  /** Binds this program to a model's parameters (in flat-buffer order, contiguous from offset 0). */
  public BoundOptimizer bind(List<ParameterInfo> parameters) {
    return new BoundOptimizer(this, parameters);
  }

  /**
   * A canonical one-line description of every setting, stored with saved optimizer state so a resumed
   * run can tell whether the state fits.
   */
  public String describe() {
    StringBuilder s = new StringBuilder(method.name());
    switch (method) {
      case ADAM -> s.append(String.format(Locale.ROOT, "(lr=%s, beta1=%s, beta2=%s, epsilon=%s, biasCorrection=%s)",
          learningRate, beta1, beta2, epsilon, biasCorrection));
      case SGD -> s.append(String.format(Locale.ROOT, "(lr=%s, momentum=%s, nesterov=%s)", learningRate,
          momentum, nesterov));
      case LION -> s.append(String.format(Locale.ROOT, "(lr=%s, beta1=%s, beta2=%s)", learningRate, beta1,
          beta2));
      case ADAFACTOR -> s.append(String.format(Locale.ROOT,
          "(lr=%s, beta1=%s, beta2=%s, epsilon1=%s, epsilon2=%s, clippingThreshold=%s, "
              + "parameterScale=%s, relativeStep=%s, factorMinDim=%d, excludeFromParameterScale=%s)",
          learningRate, beta1, Double.isNaN(beta2) ? "schedule" : beta2, epsilon1, epsilon2,
          clippingThreshold, parameterScale, relativeStep, factorMinDim, excludeFromParameterScale));
    }
    if (weightDecayRate > 0) {
      s.append(" weightDecay(rate=").append(weightDecayRate).append(", exclude=")
          .append(excludeFromWeightDecay).append(')');
    }
    if (excludeFromLayerAdaptation != null) {
      s.append(" layerAdaptation(exclude=").append(excludeFromLayerAdaptation).append(')');
    }
    if (scheduleSteps != null) {
      s.append(" schedule(");
      for (int i = 0; i < scheduleSteps.length; i++) {
        s.append(i == 0 ? "" : ", ").append(scheduleSteps[i]).append(": ").append(scheduleMultipliers[i]);
      }
      s.append(')');
    }
    if (accumulationSteps > 1) {
      s.append(" accumulation(steps=").append(accumulationSteps).append(')');
    }
    if (lookaheadSteps > 0) {
      s.append(" lookahead(steps=").append(lookaheadSteps).append(", alpha=").append(lookaheadAlpha)
          .append(')');
    }
    if (lazyInclude != null) {
      s.append(" lazy(include=").append(lazyInclude).append(')');
    }
    if (emaMomentum > 0) {
      s.append(" ema(momentum=").append(emaMomentum).append(')');
    }
    for (int i = 0; i < multiplierPatterns.size(); i++) {
      s.append(" multiplier(").append(multiplierPatterns.get(i)).append(": ")
          .append(multiplierValues[i]).append(')');
    }
    if (clipNorm > 0) {
      s.append(" clipNorm(").append(clipNorm).append(')');
    }
    return s.toString();
  }

  @Override
  public String toString() {
    return describe();
  }

  // ---------------------------------------------------------------- package access for binding

  double baseLearningRate() {
    return learningRate;
  }

  double beta1() {
    return beta1;
  }

  double beta2() {
    return beta2;
  }

  double epsilon() {
    return epsilon;
  }

  boolean biasCorrection() {
    return biasCorrection;
  }

  double momentum() {
    return momentum;
  }

  double epsilon1() {
    return epsilon1;
  }

  boolean parameterScale() {
    return parameterScale;
  }

  int factorMinDim() {
    return factorMinDim;
  }

  double weightDecayRate() {
    return weightDecayRate;
  }

  boolean hasLazy() {
    return lazyInclude != null;
  }

  int lookaheadSteps() {
    return lookaheadSteps;
  }

  double lookaheadAlpha() {
    return lookaheadAlpha;
  }

  /** AdaFactor's β₂ at update t: the fixed β₂, or 1 − t^−0.8. */
  double adafactorBeta2(long t) {
    return Double.isNaN(beta2) ? 1 - Math.pow(t, -0.8) : beta2;
  }

  boolean decays(String name) {
    return weightDecayRate > 0 && !anyFinds(excludeFromWeightDecay, name);
  }

  boolean adapts(String name) {
    return excludeFromLayerAdaptation != null && !anyFinds(excludeFromLayerAdaptation, name);
  }

  boolean lazy(String name) {
    return lazyInclude != null && anyFinds(lazyInclude, name);
  }

  boolean scalesByParameter(String name) {
    return parameterScale && !anyFinds(excludeFromParameterScale, name);
  }

  double multiplier(String name) {
    double product = 1;
    for (int i = 0; i < multiplierPatterns.size(); i++) {
      if (name.contains(multiplierPatterns.get(i))) {
        product *= multiplierValues[i];
      }
    }
    return product;
  }

  // ---------------------------------------------------------------- checks

  /** bert4keras's {@code string_matching}: a regex search anywhere in the name. */
  private static boolean anyFinds(List<String> patterns, String name) {
    for (String pattern : patterns) {
      if (Pattern.compile(pattern).matcher(name).find()) {
        return true;
      }
    }
    return false;
  }

  private static List<String> patterns(String what, String[] patterns) {
    for (String pattern : patterns) {
      try {
        Pattern.compile(pattern);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(what + " pattern '" + pattern
            + "' is not a valid regular expression: " + e.getDescription());
      }
    }
    return List.of(patterns);
  }

  private static double requirePositive(String what, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(what + "=" + value + " must be positive and finite");
    }
    return value;
  }

  private static double requireUnitInterval(String what, double value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException(what + "=" + value + " must be in [0, 1)");
    }
    return value;
  }
}
