package bert4j.processor.spec;

import bert4j.dsl.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import javax.lang.model.element.AnnotationValue;

/**
 * Reads and validates {@code @Optimizer} and its extension annotations. Every problem is reported on
 * the value that causes it (inside a nested annotation when it is there), and all are reported.
 */
final class OptimizerSpecReader {
  private OptimizerSpecReader() {}

  static OptimizerSpec read(AnnotationValues optimizer) {
    List<OptimizerSpec.NamePattern> namePatterns = new ArrayList<>();
    Method method = optimizer.enumValue("value", Method.class);
    double learningRate = optimizer.doubleValue("learningRate");
    double beta1 = optimizer.doubleValue("beta1");
    double beta2 = optimizer.doubleValue("beta2");
    double epsilon = optimizer.doubleValue("epsilon");
    double momentum = optimizer.doubleValue("momentum");
    boolean nesterov = optimizer.booleanValue("nesterov");
    boolean biasCorrection = optimizer.booleanValue("biasCorrection");

    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      optimizer.error("learningRate", "learningRate=" + learningRate + " must be positive and finite");
    }
    boolean beta1Ok = Double.isNaN(beta1) || unitInterval(optimizer, "beta1", beta1);
    boolean beta2Ok = Double.isNaN(beta2) || unitInterval(optimizer, "beta2", beta2);
    boolean epsilonOk = epsilon > 0 && !Double.isInfinite(epsilon);
    if (!epsilonOk) {
      optimizer.error("epsilon", "epsilon=" + epsilon + " must be positive");
    }
    boolean momentumOk = unitInterval(optimizer, "momentum", momentum);
    if (nesterov && !(momentum > 0) && method == Method.SGD) {
      optimizer.error("nesterov", "nesterov=true needs momentum > 0");
    }

    // attributes of another method: an error once the value itself is fine
    String name = method.name();
    if (method == Method.SGD) {
      notFor(optimizer, beta1Ok, "beta1", "SGD has no beta1; its momentum is momentum");
      notFor(optimizer, beta2Ok, "beta2", "SGD has no beta2");
    }
    if (method != Method.ADAM) {
      notFor(optimizer, epsilonOk, "epsilon", "epsilon is Adam's; " + name + " has none"
          + (method == Method.ADAFACTOR ? " (AdaFactor's are @Adafactor(epsilon1, epsilon2))" : ""));
      notFor(optimizer, true, "biasCorrection", "biasCorrection is Adam's; " + name + " has none");
    }
    if (method != Method.SGD) {
      notFor(optimizer, momentumOk, "momentum", "momentum is SGD's; " + name + " uses beta1"
          + (method == Method.ADAM ? " for its first moment" : ""));
      notFor(optimizer, true, "nesterov", "nesterov is SGD's; " + name + " has none");
    }

    // method defaults
    if (Double.isNaN(beta1)) {
      beta1 = switch (method) {
        case ADAM -> 0.9;
        case LION -> 0.95;
        case ADAFACTOR, SGD -> 0;
      };
    }
    if (Double.isNaN(beta2)) {
      beta2 = switch (method) {
        case ADAM -> 0.999;
        case LION -> 0.98;
        case ADAFACTOR -> Double.NaN;   // the schedule 1 − t^−0.8
        case SGD -> 0;
      };
    }

    OptimizerSpec.Adafactor adafactor = null;
    AnnotationValues adafactorValues = single(optimizer, "adafactor", "@Adafactor");
    if (adafactorValues != null && method != Method.ADAFACTOR) {
      optimizer.error("adafactor", "adafactor settings need value = Method.ADAFACTOR, not " + name);
    }
    if (method == Method.ADAFACTOR) {
      adafactor = adafactorValues == null ? new OptimizerSpec.Adafactor(1e-30, 1e-3, 1.0, true,
          List.of(), false, 128) : adafactor(adafactorValues, namePatterns);
      if (adafactor.relativeStep() && optimizer.isSet("learningRate")) {
        optimizer.error("learningRate", "learningRate is unused with @Adafactor(relativeStep = true), "
            + "which sets lr = min(1/sqrt(t), 0.01); remove one of them");
      }
    }

    OptimizerSpec.WeightDecay weightDecay = null;
    AnnotationValues wd = single(optimizer, "weightDecay", "@WeightDecay");
    if (wd != null) {
      double rate = wd.doubleValue("rate");
      if (!(rate > 0) || Double.isInfinite(rate)) {
        wd.error("rate", "weight decay rate=" + rate + " must be positive and finite");
      }
      weightDecay = new OptimizerSpec.WeightDecay(rate,
          patterns(wd, "exclude", "weight decay exclude", namePatterns));
    }

    OptimizerSpec.LayerAdaptation layerAdaptation = null;
    AnnotationValues la = single(optimizer, "layerAdaptation", "@LayerAdaptation");
    if (la != null) {
      layerAdaptation = new OptimizerSpec.LayerAdaptation(
          patterns(la, "exclude", "layer adaptation exclude", namePatterns));
    }

    List<OptimizerSpec.Point> schedule = schedule(optimizer);

    int accumulation = 1;
    AnnotationValues acc = single(optimizer, "accumulation", "@Accumulation");
    if (acc != null) {
      accumulation = acc.intValue("steps");
      if (accumulation < 1) {
        acc.error("steps", "accumulation steps=" + accumulation + " must be at least 1");
      }
    }

    OptimizerSpec.Lookahead lookahead = null;
    AnnotationValues look = single(optimizer, "lookahead", "@Lookahead");
    if (look != null) {
      int steps = look.intValue("steps");
      double alpha = look.doubleValue("alpha");
      if (steps < 1) {
        look.error("steps", "lookahead steps=" + steps + " must be at least 1");
      }
      if (!(alpha > 0 && alpha <= 1)) {
        look.error("alpha", "lookahead alpha=" + alpha + " must be in (0, 1]");
      }
      lookahead = new OptimizerSpec.Lookahead(steps, alpha);
    }

    List<String> lazy = null;
    AnnotationValues lazyValues = single(optimizer, "lazy", "@Lazy");
    if (lazyValues != null) {
      lazy = patterns(lazyValues, "include", "lazy include", namePatterns);
      if (lazy.isEmpty()) {
        lazyValues.error("@Lazy needs include patterns naming the parameters to optimize lazily, "
            + "e.g. include = \"word_embeddings\"");
      }
    }

    double ema = 0;
    AnnotationValues emaValues = single(optimizer, "ema", "@Ema");
    if (emaValues != null) {
      ema = emaValues.doubleValue("momentum");
      if (!(ema > 0 && ema < 1)) {
        emaValues.error("momentum", "ema momentum=" + ema + " must be in (0, 1)");
      }
    }

    List<OptimizerSpec.Multiplier> multipliers = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (AnnotationValues m : optimizer.annotations("multipliers")) {
      String pattern = m.string("pattern");
      double value = m.doubleValue("value");
      if (pattern.isEmpty()) {
        m.error("pattern", "a multiplier pattern must not be empty (it would match every parameter)");
      } else if (!seen.add(pattern)) {
        m.error("pattern", "multiplier pattern '" + pattern
            + "' appears twice; write one @Multiplier with the product");
      } else {
        namePatterns.add(new OptimizerSpec.NamePattern("multiplier", pattern, true, m.element(),
            m.mirror(), m.value("pattern")));
      }
      if (!(value >= 0) || Double.isInfinite(value)) {
        m.error("value", "multiplier value=" + value + " for '" + pattern + "' must be finite and >= 0");
      }
      multipliers.add(new OptimizerSpec.Multiplier(pattern, value));
    }

    double clipNorm = 0;
    AnnotationValues clip = single(optimizer, "clipNorm", "@ClipNorm");
    if (clip != null) {
      clipNorm = clip.doubleValue("value");
      if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
        clip.error("value", "clipNorm value=" + clipNorm + " must be positive and finite");
      }
    }

    return new OptimizerSpec(method, learningRate, beta1, beta2, epsilon, biasCorrection, momentum,
        nesterov, adafactor, weightDecay, layerAdaptation, schedule, accumulation, lookahead, lazy, ema,
        multipliers, clipNorm, namePatterns);
  }

  private static OptimizerSpec.Adafactor adafactor(AnnotationValues a,
      List<OptimizerSpec.NamePattern> namePatterns) {
    double epsilon1 = a.doubleValue("epsilon1");
    double epsilon2 = a.doubleValue("epsilon2");
    double threshold = a.doubleValue("clippingThreshold");
    int factorMinDim = a.intValue("factorMinDim");
    if (!(epsilon1 > 0) || Double.isInfinite(epsilon1)) {
      a.error("epsilon1", "epsilon1=" + epsilon1 + " must be positive");
    }
    if (!(epsilon2 > 0) || Double.isInfinite(epsilon2)) {
      a.error("epsilon2", "epsilon2=" + epsilon2 + " must be positive");
    }
    if (!(threshold >= 0) || Double.isInfinite(threshold)) {
      a.error("clippingThreshold", "clippingThreshold=" + threshold
          + " must be positive, or 0 for no update clipping");
    }
    if (factorMinDim < 1) {
      a.error("factorMinDim", "factorMinDim=" + factorMinDim + " must be at least 1");
    }
    return new OptimizerSpec.Adafactor(epsilon1, epsilon2, threshold, a.booleanValue("parameterScale"),
        patterns(a, "excludeFromParameterScale", "excludeFromParameterScale", namePatterns),
        a.booleanValue("relativeStep"), factorMinDim);
  }

  private static List<OptimizerSpec.Point> schedule(AnnotationValues optimizer) {
    List<OptimizerSpec.Point> points = new ArrayList<>();
    long previous = -1;
    for (AnnotationValues point : optimizer.annotations("schedule")) {
      long step = point.longValue("step");
      double multiplier = point.doubleValue("multiplier");
      if (step < 0) {
        point.error("step", "schedule step=" + step + " must be >= 0");
      } else if (step <= previous) {
        point.error("step", "schedule steps must increase: step=" + step + " comes after step="
            + previous);
      }
      previous = Math.max(previous, step);
      if (!(multiplier >= 0) || Double.isInfinite(multiplier)) {
        point.error("multiplier", "schedule multiplier=" + multiplier + " must be finite and >= 0");
      }
      points.add(new OptimizerSpec.Point(step, multiplier));
    }
    return points;
  }

  /** The one annotation of an extension attribute; null when absent; an error when several. */
  private static AnnotationValues single(AnnotationValues optimizer, String attribute, String type) {
    List<AnnotationValues> all = optimizer.annotations(attribute);
    if (all.size() > 1) {
      optimizer.error(attribute, attribute + " takes at most one " + type + ", got " + all.size());
    }
    return all.isEmpty() ? null : all.get(0);
  }

  /**
   * The regular expressions of a String[] attribute, each checked; the valid ones are also added to
   * {@code namePatterns} with where they were written.
   */
  private static List<String> patterns(AnnotationValues a, String attribute, String what,
      List<OptimizerSpec.NamePattern> namePatterns) {
    List<String> patterns = new ArrayList<>();
    for (AnnotationValue value : a.list(attribute)) {
      String pattern = (String) value.getValue();
      if (pattern.isEmpty()) {
        a.error(value, what + " pattern \"\" matches every parameter name; name what it should find");
      } else {
        try {
          Pattern.compile(pattern);
          namePatterns.add(new OptimizerSpec.NamePattern(what, pattern, false, a.element(),
              a.mirror(), value));
        } catch (PatternSyntaxException e) {
          a.error(value, what + " pattern '" + pattern + "' is not a valid regular expression: "
              + e.getDescription() + " near index " + e.getIndex());
        }
      }
      patterns.add(pattern);
    }
    return patterns;
  }

  private static boolean unitInterval(AnnotationValues a, String name, double value) {
    if (!(value >= 0 && value < 1)) {
      a.error(name, name + "=" + value + " must be in [0, 1)");
      return false;
    }
    return true;
  }

  /** An attribute the method does not use: an error when the user wrote it (and its value is fine). */
  private static void notFor(AnnotationValues a, boolean valueOk, String name, String message) {
    if (valueOk && a.isSet(name)) {
      a.error(name, message);
    }
  }
}
