package bert4j.processor.blocks;

import bert4j.processor.ops.LayerNorm;
import bert4j.processor.ops.RmsNorm;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/**
 * A norm over rows of {@code width} and its use: a layer norm with γ ({@code <prefix>.weight}) and β
 * ({@code <prefix>.bias}), or RoFormer-V2's RMS norm without parameters ({@code gamma} and
 * {@code beta} null).
 */
public record Norm(Parameter gamma, Parameter beta, float eps, int width) {
  /** The norm's two results: the sum x + residual (x's buffer) and the normalised rows. */
  public record Applied(Value sum, Value out) {}

  /** A layer norm named {@code hfPrefix}. */
  public static Norm declare(Tape tape, String hfPrefix, String field, int width, double eps) {
    return new Norm(tape.parameter(hfPrefix + ".weight", field + "Weight", width),
        tape.parameter(hfPrefix + ".bias", field + "Bias", width), (float) eps, width);
  }

  /** An RMS norm without scale or offset: nothing to declare. */
  public static Norm parameterFree(int width, double eps) {
    return new Norm(null, null, (float) eps, width);
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
    Value out = tape.buffer(name, Extent.TOKENS, width);
    Value rstd = tape.buffer(statsPrefix + "Rstd", Extent.TOKENS, 1);
    if (gamma == null) {
      tape.record(new RmsNorm(x, residual, null, eps, h, out, rstd, width));
    } else {
      Value mean = tape.buffer(statsPrefix + "Mean", Extent.TOKENS, 1);
      tape.record(new LayerNorm(x, residual, gamma, beta, eps, h, out, mean, rstd, width));
    }
    return new Applied(h, out);
  }
}
