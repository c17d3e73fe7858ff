package bert4j.processor.blocks;

import bert4j.dsl.Activation;
import bert4j.processor.ops.Linear;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/** A dense layer's parameters ({@code <prefix>.weight [out, in]}, {@code <prefix>.bias}) and its use. */
public record Dense(Parameter weight, Parameter bias, int in, int out) {

  /** Declares {@code hfPrefix.weight} and {@code hfPrefix.bias} as fields {@code field + "Weight"}, .... */
  public static Dense declare(Tape tape, String hfPrefix, String field, int out, int in) {
    return new Dense(tape.parameter(hfPrefix + ".weight", field + "Weight", out, in),
        tape.parameter(hfPrefix + ".bias", field + "Bias", out), in, out);
  }

  /** out = x·wᵀ + b over every row of x, into a new buffer {@code name}. */
  public Value apply(Tape tape, Value x, String name) {
    Value y = tape.buffer(name, x.buffer().extent(), out);
    tape.record(new Linear(x, false, weight, bias, null, null, y, in, out));
    return y;
  }

  /** out = activation(x·wᵀ + b), keeping the pre-activation in {@code preName}. */
  public Value apply(Tape tape, Value x, Activation activation, String preName, String name) {
    Value pre = tape.buffer(preName, x.buffer().extent(), out);
    Value y = tape.buffer(name, x.buffer().extent(), out);
    tape.record(new Linear(x, false, weight, bias, activation, pre, y, in, out));
    return y;
  }

  /** The layer on each sequence's first ([CLS]) row of x: one row per sequence. */
  public Value applyToCls(Tape tape, Value x, Activation activation, String preName, String name) {
    Value pre = activation == null ? null : tape.buffer(preName, Extent.SEQUENCES, out);
    Value y = tape.buffer(name, Extent.SEQUENCES, out);
    tape.record(new Linear(x, true, weight, bias, activation, pre, y, in, out));
    return y;
  }
}
