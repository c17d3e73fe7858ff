package bert4j.processor;

import static bert4j.processor.Specs.compile;
import static bert4j.processor.Specs.lineOf;
import static bert4j.processor.Specs.source;
import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A wrong spec is a compile error with a message a person understands, on the line of the annotation
 * value that is wrong (or of the declaration that is wrong), and only that error. Every
 * spec here puts each attribute on its own line, so an error reported on the annotation instead of
 * the value lands on a different line and fails the test.
 */
class SpecErrorsTest {

  /** Compiles {@code source}, expecting exactly one error, containing {@code message}, on {@code at}'s line. */
  private static void assertOneError(JavaFileObject source, String at, String message) {
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation).hadErrorContaining(message).inFile(source).onLine(lineOf(source, at));
  }

  @Test
  void hiddenNotDivisibleByHeads() {
    JavaFileObject source = source("Bad",
        "@Transformer(",
        "    layers = 1,",
        "    hidden = 770,",
        "    heads = 12,",
        "    intermediate = 16,",
        "    vocab = 10)",
        "public interface Bad {}");
    assertOneError(source, "hidden = 770", "hidden=770 is not divisible by heads=12");
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
      "layers, 0",
      "layers, -2",
      "hidden, 0",
      "heads, 0",
      "intermediate, -1",
      "vocab, 0",
      "maxPosition, 0",
      "segments, -1"})
  void sizesMustBePositive(String name, int value) {
    StringBuilder attributes = new StringBuilder();
    String[] names = {"layers", "hidden", "heads", "intermediate", "vocab", "maxPosition", "segments"};
    int[] valid = {1, 8, 2, 16, 10, 8, 2};
    String[] lines = new String[names.length + 2];
    lines[0] = "@Transformer(";
    for (int i = 0; i < names.length; i++) {
      int v = names[i].equals(name) ? value : valid[i];
      lines[i + 1] = "    " + names[i] + " = " + v + (i + 1 < names.length ? "," : ")");
    }
    lines[names.length + 1] = "public interface Bad {}";
    JavaFileObject source = source("Bad", lines);
    assertOneError(source, "    " + name + " = " + value, name + "=" + value + " must be positive");
  }

  @Test
  void moreParametersThanOneFlatBufferHolds() {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 64, heads = 2, intermediate = 16,",
        "    vocab = 40000000)",
        "public interface Bad {}");
    assertOneError(source, "public interface Bad",
        "Bad has 2,560,052,048 parameters; bert4j models hold at most 2,147,483,647");
  }

  @Test
  void unilmNeedsTwoSegmentsReportedOnTheMask() {
    JavaFileObject source = source("Bad",
        "@Transformer(",
        "    layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
        "    segments = 1)",
        "@Attention(",
        "    mask = Mask.UNILM)",
        "public interface Bad {}");
    assertOneError(source, "mask = Mask.UNILM",
        "mask=UNILM needs segments >= 2 (source and target), got segments=1");
  }

  @Test
  void negativeKeySize() {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Attention(",
        "    mask = Mask.LM,",
        "    keySize = -4)",
        "public interface Bad {}");
    assertOneError(source, "keySize = -4", "keySize=-4 must be positive, or 0 for hidden/heads");
  }

  @ParameterizedTest(name = "hiddenDropout = {0}")
  @CsvSource({"1.0", "-0.1", "1.5"})
  void hiddenDropoutOutsideUnitInterval(String value) {
    JavaFileObject source = source("Bad",
        "@Transformer(",
        "    layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
        "    hiddenDropout = " + value + ")",
        "public interface Bad {}");
    assertOneError(source, "hiddenDropout = ", "hiddenDropout=" + value + " must be in [0, 1)");
  }

  @ParameterizedTest(name = "@Attention(dropout = {0})")
  @CsvSource({"1.0", "-0.1"})
  void attentionDropoutOutsideUnitInterval(String value) {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Attention(",
        "    mask = Mask.NONE,",
        "    dropout = " + value + ")",
        "public interface Bad {}");
    assertOneError(source, "dropout = ", "dropout=" + value + " must be in [0, 1)");
  }

  @ParameterizedTest(name = "classes = {0}")
  @CsvSource({"1", "-3"})
  void classificationNeedsTwoClasses(int classes) {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Heads(",
        "    pooler = true,",
        "    classes = " + classes + ")",
        "public interface Bad {}");
    assertOneError(source, "classes = ",
        "a classification head needs at least 2 classes (or 0 for none), got classes=" + classes);
  }

  @ParameterizedTest(name = "tokenClasses = {0}")
  @CsvSource({"1", "-1"})
  void tokenClassificationNeedsTwoClasses(int tokenClasses) {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Heads(",
        "    classes = 2,",
        "    tokenClasses = " + tokenClasses + ")",
        "public interface Bad {}");
    assertOneError(source, "tokenClasses = ",
        "a token-classification head needs at least 2 classes (or 0 for none), got tokenClasses="
            + tokenClasses);
  }

  @Test
  void maskedLmAndTokenClassesBothReadTokenLabels() {
    // mask NONE (the default) resolves the MLM objective to MASKED_LM, which trains on tokenLabels.
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Heads(",
        "    mlm = true,",
        "    tokenClasses = 3)",
        "public interface Bad {}");
    assertOneError(source, "tokenClasses = 3",
        "tokenClasses=3 and the masked-LM head both train on Batch.tokenLabels: give the MLM head "
            + "another objective or drop one head");
  }

  @Test
  void objectiveWithoutTheMlmHead() {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Attention(mask = Mask.LM)",
        "@Heads(",
        "    classes = 2,",
        "    objective = Objective.NEXT_TOKEN)",
        "public interface Bad {}");
    assertOneError(source, "objective = Objective.NEXT_TOKEN",
        "objective=NEXT_TOKEN is the MLM head's loss: declare mlm = true");
  }

  @Test
  void nextTokenObjectiveWithoutACausalMask() {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Heads(",
        "    mlm = true,",
        "    objective = Objective.NEXT_TOKEN)",
        "public interface Bad {}");
    assertOneError(source, "objective = Objective.NEXT_TOKEN",
        "objective=NEXT_TOKEN with mask=NONE lets every position see the token it predicts: "
            + "use @Attention(mask = LM or UNILM)");
  }

  @Test
  void tokenClassesAndRecomputeAreValid() {
    // The counterparts of the errors above compile, without a warning.
    JavaFileObject tokens = source("Tokens",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Heads(",
        "    tokenClasses = 5)",
        "public interface Tokens {}");
    assertThat(compile(tokens)).succeededWithoutWarnings();
    JavaFileObject recompute = source("Recompute",
        "@Transformer(layers = 2, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
        "    recompute = true)",
        "@Heads(classes = 2)",
        "public interface Recompute {}");
    assertThat(compile(recompute)).succeededWithoutWarnings();
    JavaFileObject lmAndTokens = source("LmTokens",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Attention(mask = Mask.LM)",
        "@Heads(",
        "    mlm = true,",
        "    tokenClasses = 3)",
        "public interface LmTokens {}");
    assertThat(compile(lmAndTokens)).succeededWithoutWarnings();
  }

  @ParameterizedTest(name = "layerNormEps = {0}")
  @CsvSource({"-1.0E-5", "-0.5"})
  void layerNormEpsMustBePositive(String value) {
    JavaFileObject source = source("Bad",
        "@Transformer(",
        "    layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
        "    layerNormEps = " + value + ")",
        "public interface Bad {}");
    assertOneError(source, "layerNormEps = ", "layerNormEps=" + value + " must be positive and finite");
  }

  @Test
  void initializerRangeMustBePositive() {
    JavaFileObject source = source("Bad",
        "@Transformer(",
        "    layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
        "    initializerRange = 0)",
        "public interface Bad {}");
    assertOneError(source, "initializerRange = 0",
        "initializerRange=0.0 must be positive and finite");
  }

  @Test
  void tanhIsNotAFeedForwardActivation() {
    JavaFileObject source = source("Bad",
        "@Transformer(",
        "    layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
        "    activation = Activation.TANH)",
        "public interface Bad {}");
    assertOneError(source, "activation = Activation.TANH",
        "activation=TANH is the pooler's; the feed-forward block takes GELU, GELU_TANH, RELU or SWISH");
  }

  @Test
  void transformerOnAClass() {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "public class Bad {}");
    assertOneError(source, "public class Bad",
        "@Transformer goes on an interface; Bad is a class");
  }

  @Test
  void transformerOnAnEnum() {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "public enum Bad { A }");
    assertOneError(source, "public enum Bad",
        "@Transformer goes on an interface; Bad is an enum");
  }

  @Test
  void abstractMethodIsReportedOnTheMethod() {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "public interface Bad {",
        "  default int fine() { return 1; }",
        "  float[] predict(int[] tokens);",
        "}");
    assertOneError(source, "float[] predict",
        "bert4j implements the methods of bert4j.runtime.TransformerModel only; "
            + "make predict() a default method");
  }

  @Test
  void inheritedAbstractMethodIsReportedOnTheInterface() {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "public interface Bad extends Runnable {}");
    assertOneError(source, "public interface Bad",
        "Bad inherits the abstract run() of java.lang.Runnable: give it a default method in Bad "
            + "or drop that supertype");
  }

  @Test
  void genericInterface() {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "public interface Bad<T> {}");
    assertOneError(source, "public interface Bad<T>",
        "@Transformer interface Bad must not be generic");
  }

  @Test
  void nestedInterface() {
    JavaFileObject source = source("Outer",
        "public class Outer {",
        "  @Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "  public interface Bad {}",
        "}");
    assertOneError(source, "public interface Bad",
        "@Transformer interface Bad must be top-level");
  }

  @ParameterizedTest(name = "@{0} without @Transformer")
  @CsvSource({
      "'@Heads(pooler = true)', Heads",
      "'@Attention(mask = Mask.LM)', Attention",
      "'@Optimizer(learningRate = 1e-4)', Optimizer"})
  void companionAnnotationWithoutTransformer(String annotation, String name) {
    JavaFileObject source = source("Bad",
        "/** A spec that forgot its @Transformer. */",
        annotation,
        "public interface Bad {}");
    assertOneError(source, annotation, "@" + name + " needs @Transformer on the same interface");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "learningRate = 0               | learningRate=0.0 must be positive and finite",
      "learningRate = -1e-3           | learningRate=-0.001 must be positive and finite",
      "beta1 = 1.0                    | beta1=1.0 must be in [0, 1)",
      "beta2 = -0.5                   | beta2=-0.5 must be in [0, 1)",
      "epsilon = 0                    | epsilon=0.0 must be positive",
      "momentum = 1.0                 | momentum=1.0 must be in [0, 1)"})
  void optimizerHyperParameters(String attribute, String message) {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Optimizer(",
        "    value = Method.ADAM,",
        "    " + attribute + ")",
        "public interface Bad {}");
    assertOneError(source, attribute, message);
  }

  @Test
  void nesterovWithoutMomentum() {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Optimizer(",
        "    value = Method.SGD,",
        "    learningRate = 0.1,",
        "    nesterov = true)",
        "public interface Bad {}");
    assertOneError(source, "nesterov = true", "nesterov=true needs momentum > 0");
  }

  @Test
  void everyErrorOfOneSpecIsReported() {
    JavaFileObject source = source("Bad",
        "@Transformer(",
        "    layers = 0,",
        "    hidden = 10, heads = 4,",
        "    intermediate = 16, vocab = 10)",
        "@Attention(",
        "    dropout = 1.0)",
        "@Heads(",
        "    classes = 1)",
        "@Optimizer(",
        "    beta1 = 1.5)",
        "public interface Bad {}");
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(5);
    assertThat(compilation).hadErrorContaining("layers=0 must be positive")
        .inFile(source).onLine(lineOf(source, "layers = 0"));
    assertThat(compilation).hadErrorContaining("hidden=10 is not divisible by heads=4")
        .inFile(source).onLine(lineOf(source, "hidden = 10"));
    assertThat(compilation).hadErrorContaining("dropout=1.0 must be in [0, 1)")
        .inFile(source).onLine(lineOf(source, "dropout = 1.0"));
    assertThat(compilation).hadErrorContaining("got classes=1")
        .inFile(source).onLine(lineOf(source, "classes = 1"));
    assertThat(compilation).hadErrorContaining("beta1=1.5 must be in [0, 1)")
        .inFile(source).onLine(lineOf(source, "beta1 = 1.5"));
  }
}
