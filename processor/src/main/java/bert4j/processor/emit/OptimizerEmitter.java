package bert4j.processor.emit;

import bert4j.processor.spec.OptimizerSpec;
import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;

/** Writes the expression that builds a spec's compiled optimizer. */
final class OptimizerEmitter {
  static final ClassName PROGRAM = ClassName.get("bert4j.runtime.optim", "OptimizerProgram");

  private OptimizerEmitter() {}

  static CodeBlock program(OptimizerSpec spec) {
    return switch (spec.method()) {
      case ADAM -> CodeBlock.of("$T.adam($L, $L, $L, $L, $L)", PROGRAM, spec.learningRate(),
          spec.beta1(), spec.beta2(), spec.epsilon(), spec.biasCorrection());
      case SGD -> CodeBlock.of("$T.sgd($L, $L, $L)", PROGRAM, spec.learningRate(), spec.momentum(),
          spec.nesterov());
    };
  }
}
