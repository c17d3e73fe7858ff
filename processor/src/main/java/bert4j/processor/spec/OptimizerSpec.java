package bert4j.processor.spec;

import bert4j.dsl.Method;
import java.util.List;
import java.util.Objects;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;

/**
 * The validated {@code @Optimizer} of a spec: the base method, its hyper-parameters (method defaults
 * filled in), and the extensions; an absent extension is null, empty, or 0 as its field says.
 *
 * @param beta2 NaN for AdaFactor's decay schedule 1 − t^−0.8
 * @param adafactor AdaFactor's settings; null unless the method is ADAFACTOR
 * @param accumulation training steps per update; 1 without accumulation
 * @param lazy include patterns; null without lazy optimization
 * @param ema the moving average's momentum; 0 without
 * @param clipNorm the largest global gradient norm; 0 without clipping
 * @param patterns every parameter-name pattern above, with where it was written, for
 *     {@link ParameterPatterns#check}
 */
public record OptimizerSpec(
    Method method,
    double learningRate,
    double beta1,
    double beta2,
    double epsilon,
    boolean biasCorrection,
    double momentum,
    boolean nesterov,
    Adafactor adafactor,
    WeightDecay weightDecay,
    LayerAdaptation layerAdaptation,
    List<Point> schedule,
    int accumulation,
    Lookahead lookahead,
    List<String> lazy,
    double ema,
    List<Multiplier> multipliers,
    double clipNorm,
    List<NamePattern> patterns) {

  public OptimizerSpec {
    schedule = List.copyOf(schedule);
    lazy = lazy == null ? null : List.copyOf(lazy);
    multipliers = List.copyOf(multipliers);
    patterns = List.copyOf(patterns);
  }

  /** What a spec without {@code @Optimizer} trains with: Adam at 1e-3. */
  public static OptimizerSpec defaults() {
    return base(Method.ADAM, 1e-3, 0.9, 0.999, 1e-6, true, 0, false);
  }

  /** A base method without extensions. */
  public static OptimizerSpec base(Method method, double learningRate, double beta1, double beta2,
      double epsilon, boolean biasCorrection, double momentum, boolean nesterov) {
    return new OptimizerSpec(method, learningRate, beta1, beta2, epsilon, biasCorrection, momentum,
        nesterov, null, null, null, List.of(), 1, null, null, 0, List.of(), 0, List.of());
  }

  /** AdaFactor's own settings ({@code @Adafactor}). */
  public record Adafactor(double epsilon1, double epsilon2, double clippingThreshold,
      boolean parameterScale, List<String> excludeFromParameterScale, boolean relativeStep,
      int factorMinDim) {
    public Adafactor {
      excludeFromParameterScale = List.copyOf(excludeFromParameterScale);
    }
  }

  /** {@code @WeightDecay}. */
  public record WeightDecay(double rate, List<String> exclude) {
    public WeightDecay {
      exclude = List.copyOf(exclude);
    }
  }

  /** {@code @LayerAdaptation}. */
  public record LayerAdaptation(List<String> exclude) {
    public LayerAdaptation {
      exclude = List.copyOf(exclude);
    }
  }

  /** One {@code @Point} of the schedule. */
  public record Point(long step, double multiplier) {}

  /** {@code @Lookahead}. */
  public record Lookahead(int steps, double alpha) {}

  /** One {@code @Multiplier}. */
  public record Multiplier(String pattern, double value) {}

  /**
   * One parameter-name pattern and the value it was written in. Equality is by {@code what},
   * {@code text} and {@code substring}: where it was written is for error messages only.
   *
   * @param what the attribute it belongs to, for messages, e.g. "weight decay exclude"
   * @param substring true for a plain substring ({@code @Multiplier}), false for a regex search
   * @param element the spec interface
   * @param annotation the annotation that holds the value (the nested one where it is nested)
   * @param value the value itself
   */
  public record NamePattern(String what, String text, boolean substring, Element element,
      AnnotationMirror annotation, AnnotationValue value) {
    @Override
    public boolean equals(Object o) {
      return o instanceof NamePattern p && what.equals(p.what) && text.equals(p.text)
          && substring == p.substring;
    }

    @Override
    public int hashCode() {
      return Objects.hash(what, text, substring);
    }
  }
}
