package bert4j.processor.blocks;

import bert4j.dsl.Activation;
import bert4j.processor.ops.Linear;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * A dense layer's parameters ({@code <prefix>.weight [out, in]}, {@code <prefix>.bias}, which may be
 * absent) and its use.
 */
public record Dense(Parameter weight, Parameter bias, int in, int out) {

  /** Declares {@code hfPrefix.weight} and {@code hfPrefix.bias} as fields {@code field + "Weight"}, .... */
  public static Dense declare(Tape tape, String hfPrefix, String field, int out, int in) {
    return declare(tape, hfPrefix, field, out, in, true);
  }

  /** As {@link #declare(Tape, String, String, int, int)}, without the bias when {@code bias} is false. */
  public static Dense declare(Tape tape, String hfPrefix, String field, int out, int in,
      boolean bias) {
    return new Dense(tape.parameter(hfPrefix + ".weight", field + "Weight", out, in),
        bias ? tape.parameter(hfPrefix + ".bias", field + "Bias", out) : null, in, out);
  }

  /**
   * One stored dense layer ({@code hfPrefix.weight [Σ outs, in]}, {@code .bias}) used as several whose
   * outputs it concatenates (GPT's {@code attn.c_attn}: q, k, v): the whole, and a view per part,
   * fields {@code fields[i] + "Weight"}, ...; without the bias when {@code bias} is false.
   */
  public static DenseStack declareFused(Tape tape, String hfPrefix, String field, String[] fields,
      int[] outs, int in, boolean bias) {
    int total = 0;
    for (int o : outs) {
      total += o;
    }
    Parameter weight = tape.parameter(hfPrefix + ".weight", field + "Weight", total, in);
    Parameter biases = bias ? tape.parameter(hfPrefix + ".bias", field + "Bias", total) : null;
    List<Dense> parts = new ArrayList<>();
    int row = 0;
    for (int i = 0; i < outs.length; i++) {
      parts.add(new Dense(tape.view(weight, fields[i] + "Weight", (long) row * in, outs[i], in),
          bias ? tape.view(biases, fields[i] + "Bias", row, outs[i]) : null, in, outs[i]));
      row += outs[i];
    }
    return new DenseStack(new Dense(weight, biases, in, total), parts);
  }

  /**
   * Dense layers stored apart ({@code hfPrefixes[i].weight}, {@code .bias}) but declared weights
   * first, then biases, so that they also form one stacked layer ({@link Tape#stack}, field
   * {@code field + "Weight"}, ...) whose one product gives all their outputs side by side (BERT's
   * query, key and value); without biases when {@code bias} is false.
   */
  public static DenseStack declareStacked(Tape tape, String[] hfPrefixes, String field,
      String[] fields, int[] outs, int in, boolean bias) {
    List<Parameter> weights = new ArrayList<>();
    List<Parameter> biases = new ArrayList<>();
    int total = 0;
    for (int i = 0; i < outs.length; i++) {
      weights.add(tape.parameter(hfPrefixes[i] + ".weight", fields[i] + "Weight", outs[i], in));
      total += outs[i];
    }
    if (bias) {
      for (int i = 0; i < outs.length; i++) {
        biases.add(tape.parameter(hfPrefixes[i] + ".bias", fields[i] + "Bias", outs[i]));
      }
    }
    List<Dense> parts = new ArrayList<>();
    for (int i = 0; i < outs.length; i++) {
      parts.add(new Dense(weights.get(i), bias ? biases.get(i) : null, in, outs[i]));
    }
    Dense stacked = new Dense(tape.stack(field + "Weight", weights),
        bias ? tape.stack(field + "Bias", biases) : null, in, total);
    return new DenseStack(stacked, parts);
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
