package bert4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.Compiler;
import com.google.testing.compile.JavaFileObjects;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A spec with an LM or UniLM mask whose options the key/value cache does not serve compiles, with a
 * note naming the option; a spec it serves compiles without one and its class extends GeneratedLm.
 */
class DecodingNoteTest {
  private static Compilation compile(String annotations) {
    JavaFileObject spec = JavaFileObjects.forSourceString("notes.Spec", String.join("\n",
        "package notes;",
        "",
        "import bert4j.dsl.*;",
        "",
        "@Transformer(layers = 1, hidden = 16, heads = 4, intermediate = 32, vocab = 30,",
        "    maxPosition = 16)",
        annotations,
        "public interface Spec {}",
        ""));
    return Compiler.javac().withProcessors(new TransformerProcessor()).compile(spec);
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "@Attention(mask = Mask.LM) @Heads(classes = 2)|it has no LM head",
      "@Attention(mask = Mask.UNILM, talkingHeads = true) @Heads(mlm = true)|talkingHeads=true",
      "@Attention(mask = Mask.LM, normalization = Normalization.SOFTMAX_PLUS) @Heads(mlm = true)"
          + "|normalization=SOFTMAX_PLUS",
  })
  void anOptionTheCacheDoesNotServeIsANote(String annotations, String reason) {
    Compilation compilation = compile(annotations);
    assertThat(compilation).succeededWithoutWarnings();
    assertThat(compilation).hadNoteContaining("SpecImpl does not implement IncrementalLm");
    assertThat(compilation).hadNoteContaining(reason);
    assertThat(compilation).generatedSourceFile("notes.SpecImpl").contentsAsUtf8String()
        .contains("extends GeneratedTransformer");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"@Attention(mask = Mask.UNILM) @Heads(mlm = true)",
      "@Attention(mask = Mask.LM) @Heads(mlm = true)"})
  void aSpecTheCacheServesDecodes(String annotations) {
    Compilation compilation = compile(annotations);
    assertThat(compilation).succeededWithoutWarnings();
    assertThat(compilation).generatedSourceFile("notes.SpecImpl").contentsAsUtf8String()
        .contains("extends GeneratedLm");
    assertThat(compilation).generatedFile(StandardLocation.CLASS_OUTPUT, "notes",
        "SpecImpl.class");
  }
}
