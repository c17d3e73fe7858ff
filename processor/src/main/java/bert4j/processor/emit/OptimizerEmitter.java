package bert4j.processor.emit;

import bert4j.processor.spec.OptimizerSpec;
import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import java.util.List;

/**
 * Writes the expression that builds a spec's compiled optimizer: the base method's factory, then one
 * {@code with*} call per extension, in the order they compose.
 */
final class OptimizerEmitter {
  static final ClassName PROGRAM = ClassName.get("bert4j.runtime.optim", "OptimizerProgram");

  private OptimizerEmitter() {}

  static CodeBlock program(OptimizerSpec spec) {
    CodeBlock.Builder code = CodeBlock.builder();
    switch (spec.method()) {
      case ADAM -> code.add("$T.adam($L, $L, $L, $L, $L)", PROGRAM, spec.learningRate(),
          spec.beta1(), spec.beta2(), spec.epsilon(), spec.biasCorrection());
      case SGD -> code.add("$T.sgd($L, $L, $L)", PROGRAM, spec.learningRate(), spec.momentum(),
          spec.nesterov());
      case LION -> code.add("$T.lion($L, $L, $L)", PROGRAM, spec.learningRate(), spec.beta1(),
          spec.beta2());
      case ADAFACTOR -> {
        OptimizerSpec.Adafactor a = spec.adafactor();
        code.add("$T.adafactor($L, $L, $L, $L, $L, $L, $L, $L, $L$L)", PROGRAM, spec.learningRate(),
            spec.beta1(), number(spec.beta2()), a.epsilon1(), a.epsilon2(), a.clippingThreshold(),
            a.parameterScale(), a.relativeStep(), a.factorMinDim(),
            strings(a.excludeFromParameterScale(), true));
      }
    }
    code.indent().indent();
    if (spec.accumulation() > 1) {
      code.add("\n.withAccumulation($L)", spec.accumulation());
    }
    if (spec.clipNorm() > 0) {
      code.add("\n.withClipNorm($L)", spec.clipNorm());
    }
    if (!spec.schedule().isEmpty()) {
      CodeBlock.Builder steps = CodeBlock.builder();
      CodeBlock.Builder multipliers = CodeBlock.builder();
      for (int i = 0; i < spec.schedule().size(); i++) {
        OptimizerSpec.Point p = spec.schedule().get(i);
        steps.add(i == 0 ? "$LL" : ", $LL", p.step());
        multipliers.add(i == 0 ? "$L" : ", $L", p.multiplier());
      }
      code.add("\n.withSchedule(new long[] {$L}, new double[] {$L})", steps.build(),
          multipliers.build());
    }
    if (spec.weightDecay() != null) {
      code.add("\n.withWeightDecay($L$L)", spec.weightDecay().rate(),
          strings(spec.weightDecay().exclude(), true));
    }
    if (spec.lazy() != null) {
      code.add("\n.withLazy($L)", strings(spec.lazy(), false));
    }
    if (spec.layerAdaptation() != null) {
      code.add("\n.withLayerAdaptation($L)", strings(spec.layerAdaptation().exclude(), false));
    }
    for (OptimizerSpec.Multiplier m : spec.multipliers()) {
      code.add("\n.withMultiplier($S, $L)", m.pattern(), m.value());
    }
    if (spec.lookahead() != null) {
      code.add("\n.withLookahead($L, $L)", spec.lookahead().steps(), spec.lookahead().alpha());
    }
    if (spec.ema() > 0) {
      code.add("\n.withEma($L)", spec.ema());
    }
    code.unindent().unindent();
    return code.build();
  }

  private static CodeBlock number(double value) {
    return Double.isNaN(value) ? CodeBlock.of("$T.NaN", Double.class) : CodeBlock.of("$L", value);
  }

  /** String literals separated by commas, after a leading comma when {@code afterArgument}. */
  private static CodeBlock strings(List<String> strings, boolean afterArgument) {
    CodeBlock.Builder code = CodeBlock.builder();
    for (int i = 0; i < strings.size(); i++) {
      code.add(i == 0 && !afterArgument ? "$S" : ", $S", strings.get(i));
    }
    return code.build();
  }
}
