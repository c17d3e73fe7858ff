package bert4j.processor;

import static bert4j.processor.Specs.compile;
import static bert4j.processor.Specs.source;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Valid specs compile cleanly: no error, no warning, and the generated {@code <Interface>Impl} exists
 * as source and as a class file compiled against the runtime it names.
 */
class ValidSpecTest {

  /** Compiles {@code source} and checks the clean result; returns the generated source's text. */
  private static String assertCompilesCleanly(JavaFileObject source, String pkg, String name) {
    Compilation compilation = compile(source);
    assertThat(compilation).succeeded();
    assertEquals(0, compilation.errors().size(), () -> "errors: " + compilation.errors());
    assertTrue(compilation.warnings().isEmpty(), () -> "warnings: " + compilation.warnings());
    String qualified = pkg.isEmpty() ? name + "Impl" : pkg + "." + name + "Impl";
    assertThat(compilation).generatedSourceFile(qualified);
    assertThat(compilation).generatedFile(StandardLocation.CLASS_OUTPUT, pkg, name + "Impl.class");
    try {
      return compilation.generatedSourceFile(qualified).orElseThrow()
          .getCharContent(true).toString();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest(name = "mask = {0}, every head")
  @EnumSource(Mask.class)
  void everyHeadWithEachMask(Mask mask) {
    JavaFileObject source = source("Full",
        "@Transformer(layers = 2, hidden = 16, heads = 4, intermediate = 32, vocab = 30,",
        "    maxPosition = 16, segments = 2)",
        "@Attention(mask = Mask." + mask + ")",
        "@Heads(pooler = true, mlm = true, classes = 3)",
        "@Optimizer(learningRate = 2e-5)",
        "public interface Full {}");
    String generated = assertCompilesCleanly(source, "test", "Full");
    assertTrue(generated.contains("Mask." + mask + ","), "the attention call carries the mask");
    assertTrue(generated.contains("kernels.dropout("), "default dropouts are planned");
    assertTrue(generated.contains("* lossScale(0)") && generated.contains("* lossScale(1)")
        && !generated.contains("lossScale(2)"), "both losses are computed, and no other");
    assertTrue(generated.contains("LossTarget.Kind." + switch (mask) {
      case NONE -> "TOKEN_LABELS";
      case LM -> "NEXT_TOKEN";
      case UNILM -> "NEXT_TARGET_TOKEN";
    } + ", 30,") && generated.contains("LossTarget.Kind.SEQUENCE_LABELS, 3,"),
        "the MLM loss is the mask's objective, the classifier's is per sequence");
  }

  @ParameterizedTest(name = "activation = {0}")
  @EnumSource(value = Activation.class, names = "TANH", mode = EnumSource.Mode.EXCLUDE)
  void eachFeedForwardActivation(Activation activation) {
    JavaFileObject source = source("Act",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
        "    activation = Activation." + activation + ")",
        "@Heads(mlm = true)",
        "public interface Act {}");
    String generated = assertCompilesCleanly(source, "test", "Act");
    assertTrue(generated.contains("Activation." + activation + ","));
  }

  @Test
  void noHeadsIsAnInferenceOnlyModel() {
    JavaFileObject source = source("Encoder",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "public interface Encoder {}");
    String generated = assertCompilesCleanly(source, "test", "Encoder");
    assertTrue(generated.contains("no head has a loss: nothing to differentiate"));
  }

  @Test
  void classifierWithoutPoolerAndSgdWithNesterov() {
    JavaFileObject source = source("Cls",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
        "    segments = 1)",
        "@Attention(keySize = 2, scale = false, dropout = 0.2)",
        "@Heads(classes = 5)",
        "@Optimizer(value = Method.SGD, learningRate = 0.1, momentum = 0.9, nesterov = true)",
        "public interface Cls {}");
    String generated = assertCompilesCleanly(source, "test", "Cls");
    assertTrue(generated.contains("OptimizerProgram.sgd(0.1, 0.9, true)"));
  }

  @Test
  void interfaceThatRedeclaresTransformerModelMethods() {
    JavaFileObject source = source("Typed",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Heads(pooler = true)",
        "interface Typed extends bert4j.runtime.TransformerModel {",
        "  String specName();",
        "  default String describe() { return specName() + \" with \" + parameterCount(); }",
        "}");
    assertCompilesCleanly(source, "test", "Typed");
  }

  @Test
  void specInTheUnnamedPackage() {
    JavaFileObject source = JavaFileObjects.forSourceString("Bare", String.join("\n",
        "import bert4j.dsl.*;",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Heads(mlm = true)",
        "public interface Bare {}"));
    assertCompilesCleanly(source, "", "Bare");
  }
}
