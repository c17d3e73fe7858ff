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
 * The span heads' spec errors, each on the line of the nested {@code @SpanHead} value that causes
 * it: a name that is not a Java identifier or is used twice, fewer than 1 type, a head size below 1
 * or odd under RoPE; and GPLinker's three heads beside other heads compile without a warning.
 */
class SpanHeadSpecErrorsTest {
  private static JavaFileObject spec(String... spanHeads) {
    String[] lines = new String[spanHeads.length + 3];
    lines[0] = "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)";
    lines[1] = "@Heads(classes = 2, spans = {";
    for (int i = 0; i < spanHeads.length; i++) {
      lines[2 + i] = "    " + spanHeads[i] + (i + 1 < spanHeads.length ? "," : "})");
    }
    lines[lines.length - 1] = "public interface Bad {}";
    return source("Bad", lines);
  }

  private static void assertOneError(JavaFileObject source, String at, String message) {
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation).hadErrorContaining(message).inFile(source).onLine(lineOf(source, at));
  }

  @Test
  void twoHeadsWithOneName() {
    assertOneError(spec("@SpanHead(name = \"entity\", types = 2)",
            "@SpanHead(name = \"tail\", types = 3, rope = false)",
            "@SpanHead(name = \"entity\", types = 4, headSize = 8)"),
        "types = 4", "two span heads are named \"entity\": each needs its own name");
  }

  @ParameterizedTest(name = "name \"{0}\"")
  @CsvSource({"2tails", "sub-object", "class", "''"})
  void aNameThatIsNotAnIdentifier(String name) {
    assertOneError(spec("@SpanHead(name = \"" + name + "\", types = 2)"), "name = ",
        "span head name \"" + name + "\" is not a Java identifier");
  }

  @ParameterizedTest(name = "types = {0}")
  @CsvSource({"0", "-2"})
  void fewerThanOneType(int types) {
    assertOneError(spec("@SpanHead(name = \"entity\", types = " + types + ")"), "types = ",
        "span head \"entity\" needs at least 1 type, got types=" + types);
  }

  @Test
  void anOddHeadSizeUnderRope() {
    assertOneError(spec("@SpanHead(name = \"entity\", types = 2, headSize = 63)"),
        "headSize = 63", "span head \"entity\" turns pairs of q and k values by RoPE: headSize "
            + "must be even, got 63 (or rope = false)");
  }

  @Test
  void aHeadSizeBelowOne() {
    assertOneError(spec("@SpanHead(name = \"entity\", types = 2, rope = false, headSize = 0)"),
        "headSize = 0", "span head \"entity\" needs headSize >= 1, got 0");
  }

  @Test
  void gplinkersHeadsBesideOtherHeadsAreValid() {
    JavaFileObject gplinker = source("GpLinker",
        "@Transformer(layers = 2, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
        "    recompute = true)",
        "@Heads(pooler = true, classes = 2, crf = 3, spans = {",
        "    @SpanHead(name = \"entity\", types = 2, headSize = 4),",
        "    @SpanHead(name = \"head\", types = 5, headSize = 3, rope = false, tril = false),",
        "    @SpanHead(name = \"tail\", types = 5, headSize = 4, efficient = true, useBias = false)})",
        "public interface GpLinker {}");
    assertThat(compile(gplinker)).succeededWithoutWarnings();
  }
}
