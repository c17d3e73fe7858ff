package bert4j.processor.blocks;

import bert4j.processor.ops.ConditionalLayerNorm;
import bert4j.processor.ops.LayerNorm;
import bert4j.processor.ops.Linear;
import bert4j.processor.ops.RmsNorm;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/**
 * A norm over rows of {@code width} and its use: a layer norm with γ ({@code <prefix>.weight}) and β
 * ({@code <prefix>.bias}); an RMS norm ({@code beta} null), with γ (T5's) or without parameters
 * (RoFormer-V2's, {@code gamma} null too); or a conditional layer norm, whose γ and β each get + Dense(condition)
 * ({@code <prefix>.gamma_dense.weight}, {@code <prefix>.beta_dense.weight}, zero-initialised) per
 * sequence.
 */
public record Norm(Parameter gamma, Parameter beta, float eps, int width, Parameter gammaDense,
    Parameter betaDense, Value condition) {
  /** The norm's two results: the sum x + residual (x's buffer) and the normalised rows. */
  public record Applied(Value sum, Value out) {}

  /** A layer norm named {@code hfPrefix}. */
  public static Norm declare(Tape tape, String hfPrefix, String field, int width, double eps) {
    return declare(tape, hfPrefix, field, width, eps, null);
  }

  /** A layer norm named {@code hfPrefix}, conditional on {@code condition} unless it is null. */
  public static Norm declare(Tape tape, String hfPrefix, String field, int width, double eps,
      Value condition) {
    Parameter gamma = tape.parameter(hfPrefix + ".weight", field + "Weight", width);
    Parameter beta = tape.parameter(hfPrefix + ".bias", field + "Bias", width);
    if (condition == null) {
      return new Norm(gamma, beta, (float) eps, width, null, null, null);
    }
    int size = condition.buffer().width();
    return new Norm(gamma, beta, (float) eps, width,
        tape.parameter(hfPrefix + ".gamma_dense.weight", field + "GammaDense", width, size),
        tape.parameter(hfPrefix + ".beta_dense.weight", field + "BetaDense", width, size),
        condition);
  }

  /** An RMS norm with a scale ({@code <prefix>.weight}) and no offset: T5's. */
  public static Norm rms(Tape tape, String hfPrefix, String field, int width, double eps) {
    return new Norm(tape.parameter(hfPrefix + ".weight", field + "Weight", width), null,
        (float) eps, width, null, null, null);
  }

  /** An RMS norm without scale or offset: nothing to declare. */
  public static Norm parameterFree(int width, double eps) {
    return new Norm(null, null, (float) eps, width, null, null, null);
  }

  /**
   * norm(x + residual) (residual may be null) into a new buffer {@code name}, with the statistics in
   * {@code statsPrefix + "Mean"} and {@code "Rstd"}; the sum is stored back into x's buffer.
   */
  public Value apply(Tape tape, Value x, Value residual, String statsPrefix, String name) {
    return applyKeepingSum(tape, x, residual, statsPrefix, name).out();
  }

  /** As {@link #apply}, returning the sum too: the residual stream of a pre-norm block. */
  public Applied applyKeepingSum(Tape tape, Value x, Value residual, String statsPrefix,
      String name) {
    Value h = tape.next(x);
    Extent rows = x.buffer().extent();
    Value out = tape.buffer(name, rows, width);
    Value rstd = tape.buffer(statsPrefix + "Rstd", rows, 1);
    if (beta == null) {
      tape.record(new RmsNorm(x, residual, gamma, eps, h, out, rstd, width));
      return new Applied(h, out);
    }
    Value mean = tape.buffer(statsPrefix + "Mean", rows, 1);
    if (condition == null) {
      tape.record(new LayerNorm(x, residual, gamma, beta, eps, h, out, mean, rstd, width));
      return new Applied(h, out);
    }
    int size = condition.buffer().width();
    Value gammas = tape.buffer(statsPrefix + "Gammas", Extent.SEQUENCES, width);
    tape.record(new Linear(condition, false, gammaDense, gamma, null, null, gammas, size, width));
    Value betas = tape.buffer(statsPrefix + "Betas", Extent.SEQUENCES, width);
    tape.record(new Linear(condition, false, betaDense, beta, null, null, betas, size, width));
    tape.record(new ConditionalLayerNorm(x, residual, gammas, betas, eps, h, out, mean, rstd, width));
    return new Applied(h, out);
  }
}
