package bert4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.Compiler;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invalid {@code @Optimizer} specs fail to compile with one clear message, on the line of the value
 * that is wrong (inside the nested extension annotation when it is there).
 */
class OptimizerSpecErrorsTest {

  /** (name, the lines inside {@code @Optimizer(...)}, a fragment of the offending line, message). */
  static Stream<Arguments> invalidSpecs() {
    return Stream.of(
        bad("lookahead alpha above 1",
            lines("lookahead = @Lookahead(steps = 5,", "    alpha = 1.5)"),
            "alpha = 1.5", "lookahead alpha=1.5 must be in (0, 1]"),
        bad("lookahead alpha 0",
            lines("lookahead = @Lookahead(steps = 5,", "    alpha = 0)"),
            "alpha = 0", "lookahead alpha=0.0 must be in (0, 1]"),
        bad("lookahead steps 0",
            lines("lookahead = @Lookahead(", "    steps = 0)"),
            "steps = 0", "lookahead steps=0 must be at least 1"),
        bad("schedule steps not increasing",
            lines("schedule = {@Point(step = 2000, multiplier = 1),",
                "    @Point(step = 1000, multiplier = 0.1)}"),
            "step = 1000", "schedule steps must increase: step=1000 comes after step=2000"),
        bad("schedule step repeated",
            lines("schedule = {@Point(step = 10, multiplier = 1),",
                "    @Point(step = 10, multiplier = 0.1)}"),
            "multiplier = 0.1", "schedule steps must increase: step=10 comes after step=10"),
        bad("schedule step negative",
            lines("schedule = {@Point(step = -5, multiplier = 1)}"),
            "step = -5", "schedule step=-5 must be >= 0"),
        bad("schedule multiplier negative",
            lines("schedule = {@Point(step = 100,", "    multiplier = -1)}"),
            "multiplier = -1", "schedule multiplier=-1.0 must be finite and >= 0"),
        bad("ema momentum 1",
            lines("ema = @Ema(", "    momentum = 1.0)"),
            "momentum = 1.0", "ema momentum=1.0 must be in (0, 1)"),
        bad("ema momentum 0",
            lines("ema = @Ema(", "    momentum = 0)"),
            "momentum = 0", "ema momentum=0.0 must be in (0, 1)"),
        bad("accumulation 0",
            lines("accumulation = @Accumulation(", "    steps = 0)"),
            "steps = 0", "accumulation steps=0 must be at least 1"),
        bad("weight decay exclude not a regex",
            lines("weightDecay = @WeightDecay(rate = 0.01,", "    exclude = {\"LayerNorm\", \"[bias\"})"),
            "[bias", "weight decay exclude pattern '[bias' is not a valid regular expression: "
                + "Unclosed character class"),
        bad("weight decay exclude empty",
            lines("weightDecay = @WeightDecay(rate = 0.01,", "    exclude = {\"\"})"),
            "exclude", "weight decay exclude pattern \"\" matches every parameter name"),
        bad("weight decay rate negative",
            lines("weightDecay = @WeightDecay(", "    rate = -0.01)"),
            "rate = -0.01", "weight decay rate=-0.01 must be positive and finite"),
        bad("two weight decays",
            lines("weightDecay = {@WeightDecay(rate = 0.01), @WeightDecay(rate = 0.02)}"),
            "weightDecay = ", "weightDecay takes at most one @WeightDecay, got 2"),
        bad("layer adaptation exclude not a regex",
            lines("layerAdaptation = @LayerAdaptation(", "    exclude = \"(bias\")"),
            "(bias", "layer adaptation exclude pattern '(bias' is not a valid regular expression: "
                + "Unclosed group"),
        bad("lazy without include",
            lines("lazy = @Lazy()"),
            "lazy = ", "@Lazy needs include patterns"),
        bad("lazy include not a regex",
            lines("lazy = @Lazy(", "    include = \"word_embeddings)\")"),
            "include = ", "lazy include pattern 'word_embeddings)' is not a valid regular expression"),
        bad("multiplier pattern twice",
            lines("multipliers = {@Multiplier(pattern = \"classifier\", value = 2),",
                "    @Multiplier(pattern = \"classifier\", value = 3)}"),
            "value = 3", "multiplier pattern 'classifier' appears twice"),
        bad("multiplier negative",
            lines("multipliers = @Multiplier(pattern = \"pooler\",", "    value = -2)"),
            "value = -2", "multiplier value=-2.0 for 'pooler' must be finite and >= 0"),
        bad("clip norm 0",
            lines("clipNorm = @ClipNorm(", "    0)"),
            "    0)", "clipNorm value=0.0 must be positive and finite"),
        bad("momentum on Adam",
            lines("value = Method.ADAM,", "momentum = 0.9"),
            "momentum = 0.9", "momentum is SGD's; ADAM uses beta1 for its first moment"),
        bad("epsilon on Lion",
            lines("value = Method.LION,", "epsilon = 1e-8"),
            "epsilon = 1e-8", "epsilon is Adam's; LION has none"),
        bad("beta1 on SGD",
            lines("value = Method.SGD,", "beta1 = 0.9"),
            "beta1 = 0.9", "SGD has no beta1; its momentum is momentum"),
        bad("adafactor settings on Adam",
            lines("value = Method.ADAM,", "adafactor = @Adafactor(relativeStep = true)"),
            "adafactor = ", "adafactor settings need value = Method.ADAFACTOR, not ADAM"),
        bad("relative step with a learning rate",
            lines("value = Method.ADAFACTOR,", "learningRate = 1e-3,",
                "adafactor = @Adafactor(relativeStep = true)"),
            "learningRate = 1e-3", "learningRate is unused with @Adafactor(relativeStep = true)"),
        bad("adafactor factorMinDim 0",
            lines("value = Method.ADAFACTOR,", "adafactor = @Adafactor(",
                "    factorMinDim = 0)"),
            "factorMinDim = 0", "factorMinDim=0 must be at least 1"),
        bad("adafactor excluded pattern not a regex",
            lines("value = Method.ADAFACTOR,", "adafactor = @Adafactor(",
                "    excludeFromParameterScale = \"*bias\")"),
            "*bias", "excludeFromParameterScale pattern '*bias' is not a valid regular expression"),
        bad("lion beta2 1",
            lines("value = Method.LION,", "beta2 = 1.0"),
            "beta2 = 1.0", "beta2=1.0 must be in [0, 1)"),
        bad("weight decay exclude matching nothing",
            lines("weightDecay = @WeightDecay(rate = 0.01,",
                "    exclude = {\"bias\", \"LayerNrom\"})"),
            "LayerNrom", "weight decay exclude pattern 'LayerNrom' matches no parameter; closest: "
                + "embeddings.LayerNorm.weight"),
        bad("layer adaptation exclude matching nothing",
            lines("layerAdaptation = @LayerAdaptation(", "    exclude = \"Layernorm\")"),
            "Layernorm", "layer adaptation exclude pattern 'Layernorm' matches no parameter; "
                + "closest: embeddings.LayerNorm.weight"),
        bad("adafactor excluded pattern matching nothing",
            lines("value = Method.ADAFACTOR,", "adafactor = @Adafactor(",
                "    excludeFromParameterScale = \"bais$\")"),
            "bais$", "excludeFromParameterScale pattern 'bais$' matches no parameter; closest: "),
        bad("lazy include matching nothing",
            lines("lazy = @Lazy(", "    include = \"^word_embeddings\")"),
            "include = ", "lazy include pattern '^word_embeddings' matches no parameter; closest: "
                + "embeddings.word_embeddings.weight"),
        bad("multiplier matching nothing",
            lines("multipliers = {@Multiplier(pattern = \"embeddings\", value = 2),",
                "    @Multiplier(pattern = \"intermediat.dense\", value = 3)}"),
            "intermediat.dense", "multiplier pattern 'intermediat.dense' matches no parameter "
                + "(a plain substring, not a regular expression); "
                + "closest: encoder.layer.0.intermediate.dense"),
        bad("multiplier written as a regex",
            lines("multipliers = @Multiplier(", "    pattern = \"layer\\\\.0\\\\.\", value = 2)"),
            "pattern = ",
            "multiplier pattern 'layer\\.0\\.' matches no parameter (a plain substring"));
  }

  static String[] lines(String... lines) {
    return lines;
  }

  static Arguments bad(String name, String[] lines, String fragment, String message) {
    return Arguments.of(name, lines, fragment, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidSpecs")
  void failsOnTheOffendingValue(String name, String[] lines, String fragment, String message) {
    JavaFileObject source = spec(lines);
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation).hadErrorContaining(message).inFile(source)
        .onLine(lineOf(source, fragment));
  }

  @Test
  void everyOptimizerErrorIsReported() {
    JavaFileObject source = spec(
        "learningRate = 2e-5,",
        "weightDecay = @WeightDecay(rate = 0.01, exclude = {\"LayerNorm\", \"bias)\"}),",
        "schedule = {@Point(step = 1000, multiplier = 1), @Point(step = 500, multiplier = 0.1)},",
        "accumulation = @Accumulation(steps = -2),",
        "lookahead = @Lookahead(steps = 5, alpha = 2),",
        "ema = @Ema(momentum = 1.5)");
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(5);
    assertThat(compilation).hadErrorContaining("pattern 'bias)'").inFile(source)
        .onLine(lineOf(source, "weightDecay"));
    assertThat(compilation).hadErrorContaining("step=500 comes after step=1000").inFile(source)
        .onLine(lineOf(source, "schedule"));
    assertThat(compilation).hadErrorContaining("accumulation steps=-2").inFile(source)
        .onLine(lineOf(source, "accumulation"));
    assertThat(compilation).hadErrorContaining("lookahead alpha=2.0").inFile(source)
        .onLine(lineOf(source, "lookahead"));
    assertThat(compilation).hadErrorContaining("ema momentum=1.5").inFile(source)
        .onLine(lineOf(source, "ema ="));
  }

  @Test
  void misspeltPatternNamesTheClosestParameters() {
    JavaFileObject source = spec(
        "weightDecay = @WeightDecay(rate = 0.01,",
        "    exclude = \"LayerNrom\")");
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation).hadErrorContaining("weight decay exclude pattern 'LayerNrom' matches "
        + "no parameter; closest: embeddings.LayerNorm.weight, embeddings.LayerNorm.bias, "
        + "encoder.layer.0.attention.output.LayerNorm.weight").inFile(source)
        .onLine(lineOf(source, "LayerNrom"));
  }

  @Test
  void everyUnmatchedPatternIsReported() {
    JavaFileObject source = spec(
        "weightDecay = @WeightDecay(rate = 0.01, exclude = {\"LayerNorm\", \"biass\"}),",
        "lazy = @Lazy(include = \"token_embeddings\"),",
        "multipliers = @Multiplier(pattern = \"classifier\", value = 10)");
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(3);
    assertThat(compilation).hadErrorContaining("pattern 'biass' matches no parameter")
        .inFile(source).onLine(lineOf(source, "biass"));
    assertThat(compilation).hadErrorContaining("pattern 'token_embeddings' matches no parameter; "
        + "closest: embeddings.word_embeddings.weight, embeddings.token_type_embeddings.weight")
        .inFile(source).onLine(lineOf(source, "token_embeddings"));
    assertThat(compilation).hadErrorContaining("pattern 'classifier' matches no parameter")
        .inFile(source).onLine(lineOf(source, "classifier"));
  }

  @Test
  void patternsThatAllMatchCompileWithoutWarnings() {
    assertThat(compile(spec(
        "weightDecay = @WeightDecay(rate = 0.01,",
        "    exclude = {\"LayerNorm\", \"bias$\", \"^embeddings\\\\.\"}),",
        "layerAdaptation = @LayerAdaptation(",
        "    exclude = \"layer\\\\.0\\\\.attention\\\\.(self|output)\"),",
        "lazy = @Lazy(include = {\"word_embeddings\", \"position\"}),",
        "multipliers = {@Multiplier(pattern = \"encoder.layer.0.\", value = 2),",
        "    @Multiplier(pattern = \"embeddings.LayerNorm\", value = 0.5)}")))
        .succeededWithoutWarnings();
    assertThat(compile(spec(
        "value = Method.ADAFACTOR,",
        "adafactor = @Adafactor(",
        "    excludeFromParameterScale = {\"bias\", \"LayerNorm\\\\.weight\"})")))
        .succeededWithoutWarnings();
  }

  @Test
  void everyExtensionTogetherIsValid() {
    JavaFileObject source = spec(
        "value = Method.ADAM, learningRate = 2e-5,",
        "weightDecay = @WeightDecay(rate = 0.01, exclude = {\"LayerNorm\", \"bias\"}),",
        "layerAdaptation = @LayerAdaptation(exclude = \"LayerNorm\"),",
        "schedule = {@Point(step = 1000, multiplier = 1), @Point(step = 2000, multiplier = 0.1)},",
        "accumulation = @Accumulation(steps = 4),",
        "lookahead = @Lookahead(steps = 5, alpha = 0.5),",
        "lazy = @Lazy(include = \"word_embeddings\"),",
        "ema = @Ema(momentum = 0.999),",
        "multipliers = {@Multiplier(pattern = \"encoder.layer.0.\", value = 10)},",
        "clipNorm = @ClipNorm(1.0)");
    Compilation compilation = compile(source);
    assertThat(compilation).succeededWithoutWarnings();
    assertThat(compilation).generatedSourceFile("test.BadImpl").contentsAsUtf8String()
        .contains("OptimizerProgram.adam(2.0E-5, 0.9, 0.999, 1.0E-6, true)\n"
            + "          .withAccumulation(4)\n"
            + "          .withClipNorm(1.0)\n"
            + "          .withSchedule(new long[] {1000L, 2000L}, new double[] {1.0, 0.1})\n"
            + "          .withWeightDecay(0.01, \"LayerNorm\", \"bias\")\n"
            + "          .withLazy(\"word_embeddings\")\n"
            + "          .withLayerAdaptation(\"LayerNorm\")\n"
            + "          .withMultiplier(\"encoder.layer.0.\", 10.0)\n"
            + "          .withLookahead(5, 0.5)\n"
            + "          .withEma(0.999)");
  }

  @Test
  void methodDefaultsAreFilledIn() {
    JavaFileObject source = spec("value = Method.LION, learningRate = 1e-4");
    Compilation compilation = compile(source);
    assertThat(compilation).succeededWithoutWarnings();
    assertThat(compilation).generatedSourceFile("test.BadImpl").contentsAsUtf8String()
        .contains("OptimizerProgram.lion(1.0E-4, 0.95, 0.98)");
    JavaFileObject adafactor = spec("value = Method.ADAFACTOR");
    Compilation second = compile(adafactor);
    assertThat(second).succeededWithoutWarnings();
    assertThat(second).generatedSourceFile("test.BadImpl").contentsAsUtf8String()
        .contains("OptimizerProgram.adafactor(0.001, 0.0, Double.NaN, 1.0E-30, 0.001, 1.0, true, "
            + "false, 128)");
  }

  private static JavaFileObject spec(String... optimizerLines) {
    List<String> all = new ArrayList<>();
    all.add("package test;");
    all.add("import bert4j.dsl.*;");
    all.add("@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)");
    all.add("@Optimizer(");
    for (int i = 0; i < optimizerLines.length; i++) {
      all.add("    " + optimizerLines[i] + (i + 1 < optimizerLines.length
          && !optimizerLines[i].endsWith(",") && !optimizerLines[i].endsWith("(") ? "," : ""));
    }
    all.add(")");
    all.add("public interface Bad {}");
    return JavaFileObjects.forSourceString("test.Bad", String.join("\n", all) + "\n");
  }

  private static long lineOf(JavaFileObject source, String fragment) {
    String[] lines;
    try {
      lines = source.getCharContent(true).toString().split("\n", -1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long found = -1;
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].contains(fragment)) {
        if (found >= 0) {
          throw new IllegalArgumentException("'" + fragment + "' is on two lines of the test spec");
        }
        found = i + 1;
      }
    }
    if (found < 0) {
      throw new IllegalArgumentException("'" + fragment + "' is not in the test spec");
    }
    return found;
  }

  private static Compilation compile(JavaFileObject source) {
    return Compiler.javac().withProcessors(new TransformerProcessor()).compile(source);
  }
}
