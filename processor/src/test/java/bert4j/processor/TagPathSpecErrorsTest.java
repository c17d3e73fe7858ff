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
 * The CRF and MEMM heads' spec errors, each on the line of the attribute that causes it: fewer than
 * 2 tags, two heads that train on {@code Batch.tokenLabels} (token classes, the masked-LM head, the
 * discriminator, or CRF and MEMM together); and the valid counterparts compile without a warning.
 */
class TagPathSpecErrorsTest {
  private static void assertOneError(JavaFileObject source, String at, String message) {
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation).hadErrorContaining(message).inFile(source).onLine(lineOf(source, at));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({"crf, 1, a CRF head", "crf, -1, a CRF head", "memm, 1, an MEMM head",
      "memm, -3, an MEMM head"})
  void aTagPathHeadNeedsTwoTags(String name, int tags, String head) {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Heads(",
        "    classes = 2,",
        "    " + name + " = " + tags + ")",
        "public interface Bad {}");
    assertOneError(source, name + " = ",
        head + " needs at least 2 tags (or 0 for none), got " + name + "=" + tags);
  }

  @Test
  void crfAndTokenClassesBothReadTokenLabels() {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Heads(",
        "    tokenClasses = 3,",
        "    crf = 4)",
        "public interface Bad {}");
    assertOneError(source, "crf = 4",
        "crf=4 and tokenClasses=3 both train on Batch.tokenLabels: drop one head");
  }

  @Test
  void memmAndTheMaskedLmHeadBothReadTokenLabels() {
    // mask NONE (the default) resolves the MLM objective to MASKED_LM, which trains on tokenLabels.
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Heads(",
        "    mlm = true,",
        "    memm = 5)",
        "public interface Bad {}");
    assertOneError(source, "memm = 5", "memm=5 and the masked-LM head both train on "
        + "Batch.tokenLabels: drop one head or give the MLM head another objective");
  }

  @Test
  void crfAndTheDiscriminatorBothReadTokenLabels() {
    JavaFileObject source = source("Bad",
        "@Transformer(architecture = Architecture.ELECTRA, layers = 1, hidden = 8, heads = 2,",
        "    intermediate = 16, vocab = 10)",
        "@Heads(",
        "    discriminator = true,",
        "    crf = 3)",
        "public interface Bad {}");
    assertOneError(source, "crf = 3",
        "crf=3 and the discriminator both train on Batch.tokenLabels: drop one head");
  }

  @Test
  void crfAndMemmTogether() {
    JavaFileObject source = source("Bad",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Heads(",
        "    crf = 3,",
        "    memm = 3)",
        "public interface Bad {}");
    assertOneError(source, "memm = 3", "crf=3 and memm=3 are two sequence-labelling heads on the "
        + "same Batch.tokenLabels: choose one");
  }

  @Test
  void tagPathHeadsBesideOtherHeadsAreValid() {
    JavaFileObject crf = source("Crf",
        "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Attention(mask = Mask.LM)",
        "@Heads(mlm = true, pooler = true, classes = 2, crf = 4)",
        "public interface Crf {}");
    assertThat(compile(crf)).succeededWithoutWarnings();
    JavaFileObject memm = source("Memm",
        "@Transformer(layers = 2, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
        "    recompute = true)",
        "@Heads(memm = 2)",
        "public interface Memm {}");
    assertThat(compile(memm)).succeededWithoutWarnings();
  }
}
