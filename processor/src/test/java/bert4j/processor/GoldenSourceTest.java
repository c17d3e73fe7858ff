package bert4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.Compiler;
import com.google.testing.compile.JavaFileObjects;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * Pins the generated source of one tiny spec: any change in what the processor writes (a call, its
 * arguments, their order, a buffer's arena column, a parameter offset) shows up here as a diff to
 * review, not silently. The spec lives in package {@code tiny}, not {@code golden}: the golden file is
 * on the test class path, and javac would find (and implicitly compile) it as the source of
 * {@code golden.TinyGoldenImpl}.
 */
class GoldenSourceTest {
  private static final JavaFileObject TINY = JavaFileObjects.forSourceString("tiny.TinyGolden",
      String.join("\n",
          "package tiny;",
          "",
          "import bert4j.dsl.Attention;",
          "import bert4j.dsl.Heads;",
          "import bert4j.dsl.Mask;",
          "import bert4j.dsl.Transformer;",
          "",
          "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
          "    maxPosition = 8, hiddenDropout = 0)",
          "@Attention(mask = Mask.NONE, dropout = 0)",
          "@Heads(classes = 2)",
          "public interface TinyGolden {}",
          ""));

  @Test
  void tinyClassifierSourceIsPinned() {
    Compilation compilation = Compiler.javac().withProcessors(new TransformerProcessor())
        .compile(TINY);
    assertThat(compilation).succeededWithoutWarnings();
    assertThat(compilation)
        .generatedSourceFile("tiny.TinyGoldenImpl")
        .hasSourceEquivalentTo(JavaFileObjects.forResource("golden/TinyGoldenImpl.java"));
  }
}
