package bert4j.processor.blocks;

import bert4j.processor.ops.LayerNorm;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/** A layer norm's parameters ({@code <prefix>.weight} γ, {@code <prefix>.bias} β) and its use. */
public record Norm(Parameter gamma, Parameter beta, float eps, int width) {

  public static Norm declare(Tape tape, String hfPrefix, String field, int width, double eps) {
    return new Norm(tape.parameter(hfPrefix + ".weight", field + "Weight", width),
        tape.parameter(hfPrefix + ".bias", field + "Bias", width), (float) eps, width);
  }

  /**
   * LN(x + residual) (residual may be null) into a new buffer {@code name}, with the statistics in
   * {@code statsPrefix + "Mean"} and {@code "Rstd"}.
   */
  public Value apply(Tape tape, Value x, Value residual, String statsPrefix, String name) {
    Value h = tape.next(x);
    Value out = tape.buffer(name, Extent.TOKENS, width);
    Value mean = tape.buffer(statsPrefix + "Mean", Extent.TOKENS, 1);
    Value rstd = tape.buffer(statsPrefix + "Rstd", Extent.TOKENS, 1);
    tape.record(new LayerNorm(x, residual, gamma, beta, eps, h, out, mean, rstd, width));
    return out;
  }
}
