package bert4j.processor;

import static bert4j.processor.Specs.compile;
import static bert4j.processor.Specs.lineOf;
import static bert4j.processor.Specs.source;
import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaFileObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Combinations of an architecture with attributes that make no sense for it are compile errors on
 * the attribute's line, with a message naming the conflict; and each architecture's plain spec
 * compiles.
 */
class ArchitectureSpecErrorsTest {

  /** A spec: its annotation lines, the line fragment the error is on, and the expected message. */
  record Case(String name, List<String> lines, String at, String message) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Case error(String name, String at, String message, String... lines) {
    return new Case(name, List.of(lines), at, message);
  }

  static Stream<Case> errors() {
    return Stream.of(
        error("LM mask on ELECTRA", "mask = Mask.LM", "ELECTRA is a bidirectional encoder",
            "@Transformer(architecture = Architecture.ELECTRA, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10)",
            "@Attention(",
            "    mask = Mask.LM)"),
        error("UNILM mask on ELECTRA", "mask = Mask.UNILM", "mask=UNILM is not for it",
            "@Transformer(architecture = Architecture.ELECTRA, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10)",
            "@Attention(",
            "    mask = Mask.UNILM)"),
        error("UNILM mask on GPT-2", "mask = Mask.UNILM", "GPT2 is a causal language model: its mask "
                + "is LM, not UNILM",
            "@Transformer(architecture = Architecture.GPT2, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10)",
            "@Attention(",
            "    mask = Mask.UNILM)"),
        error("no mask on GPT", "mask = Mask.NONE", "GPT is a causal language model",
            "@Transformer(architecture = Architecture.GPT, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10)",
            "@Attention(",
            "    mask = Mask.NONE)"),
        error("embeddingSize on BERT", "embeddingSize = 4", "embeddingSize=4 is a factorized "
                + "embedding, which BERT does not have",
            "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
            "    embeddingSize = 4)"),
        error("embeddingSize on GPT-2", "embeddingSize = 4", "which GPT2 does not have",
            "@Transformer(architecture = Architecture.GPT2, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10,",
            "    embeddingSize = 4)"),
        error("negative embeddingSize", "embeddingSize = -4", "embeddingSize=-4 must be positive",
            "@Transformer(architecture = Architecture.ALBERT, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10,",
            "    embeddingSize = -4)"),
        error("rotary with an odd key size", "keySize = 3", "the key size 3 must be even",
            "@Transformer(architecture = Architecture.ROFORMER, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10)",
            "@Attention(",
            "    keySize = 3)"),
        error("rotary position with an odd head size", "position = Position.ROTARY",
            "the key size 3 must be even",
            "@Transformer(layers = 1, hidden = 6, heads = 2, intermediate = 16, vocab = 10,",
            "    position = Position.ROTARY)"),
        error("segments on GPT", "segments = 2", "GPT has no segment embedding",
            "@Transformer(architecture = Architecture.GPT, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10,",
            "    segments = 2)"),
        error("pooler on GPT-2", "pooler = true", "GPT2 has no pooler",
            "@Transformer(architecture = Architecture.GPT2, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10)",
            "@Heads(",
            "    pooler = true)"),
        error("pooler on ELECTRA", "pooler = true", "ELECTRA has no pooler",
            "@Transformer(architecture = Architecture.ELECTRA, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10)",
            "@Heads(",
            "    pooler = true)"),
        error("MLM head on ELECTRA", "mlm = true", "ELECTRA's MLM head belongs to its generator",
            "@Transformer(architecture = Architecture.ELECTRA, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10)",
            "@Heads(",
            "    mlm = true)"),
        error("discriminator on BERT", "discriminator = true", "the replaced-token discriminator is "
                + "ELECTRA's: BERT has none",
            "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
            "@Heads(",
            "    discriminator = true)"),
        error("discriminator and token classes on the same labels", "tokenClasses = 3",
            "tokenClasses=3 and the discriminator both train on Batch.tokenLabels",
            "@Transformer(architecture = Architecture.ELECTRA, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10)",
            "@Heads(discriminator = true,",
            "    tokenClasses = 3)"),
        error("GPT-2 with a key size other than the head size", "keySize = 2",
            "GPT2's fused attn.c_attn holds q, k and v of equal width",
            "@Transformer(architecture = Architecture.GPT2, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10)",
            "@Attention(",
            "    keySize = 2)"),
        error("maxRelativePosition without NEZHA's positions", "maxRelativePosition = 32",
            "maxRelativePosition clips TYPICAL_RELATIVE positions (NEZHA's), and this spec's "
                + "positions are LEARNED",
            "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
            "    maxRelativePosition = 32)"),
        error("maxRelativePosition zero", "maxRelativePosition = 0",
            "maxRelativePosition=0 must be positive",
            "@Transformer(architecture = Architecture.NEZHA, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10,",
            "    maxRelativePosition = 0)"),
        error("NEZHA with an odd head size", "heads = 2", "the key size 3 and the head size 3 "
                + "must be even",
            "@Transformer(architecture = Architecture.NEZHA, layers = 1, hidden = 6,",
            "    heads = 2, intermediate = 16, vocab = 10)"),
        error("talking heads with one head", "talkingHeads = true",
            "talking heads mix the heads: they need heads >= 2, got heads=1",
            "@Transformer(layers = 1, hidden = 8, heads = 1, intermediate = 16, vocab = 10)",
            "@Attention(",
            "    talkingHeads = true)"),
        error("negative condition size", "conditionSize = -3",
            "conditionSize=-3 must be positive, or 0 for plain layer norms",
            "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
            "    conditionSize = -3)"),
        error("conditional norms on RoFormer-V2", "conditionSize = 4",
            "ROFORMER_V2's norms have no γ or β to condition",
            "@Transformer(architecture = Architecture.ROFORMER_V2, layers = 1, hidden = 8,",
            "    heads = 2, intermediate = 16, vocab = 10,",
            "    conditionSize = 4)"),
        error("negative layer-norm epsilon", "layerNormEps = -1e-5", "layerNormEps=-1.0E-5 must be "
                + "positive and finite, or 0 for the architecture's",
            "@Transformer(architecture = Architecture.GPT2, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10,",
            "    layerNormEps = -1e-5)"),
        error("LM mask on T5", "mask = Mask.LM", "its encoder is bidirectional",
            "@Transformer(architecture = Architecture.T5, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10)",
            "@Attention(",
            "    mask = Mask.LM)"),
        error("T5's heads of their own width without keySize", "hidden = 8",
            "set @Attention(keySize = d_kv)",
            "@Transformer(architecture = Architecture.T5_1_1, layers = 1,",
            "    hidden = 8, heads = 3, intermediate = 16, vocab = 10)"),
        error("a classifier on T5", "classes = 2", "has one head, the LM head on its decoder",
            "@Transformer(architecture = Architecture.T5, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10)",
            "@Heads(mlm = true,",
            "    classes = 2)"),
        error("scaled attention on T5", "scale = true", "T5's attention is fixed",
            "@Transformer(architecture = Architecture.T5, layers = 1, hidden = 8, heads = 2,",
            "    intermediate = 16, vocab = 10)",
            "@Attention(",
            "    scale = true)"),
        error("bert4keras's convention on BERT", "convention = Convention.BERT4KERAS",
            "changes how T5 computes",
            "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
            "    convention = Convention.BERT4KERAS)"),
        error("T5's positions on BERT", "position = Position.T5_RELATIVE", "is T5's",
            "@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 10,",
            "    position = Position.T5_RELATIVE)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void isACompileErrorOnTheAttribute(Case c) {
    List<String> lines = new ArrayList<>(c.lines());
    lines.add("public interface Bad {}");
    JavaFileObject source = source("Bad", lines.toArray(String[]::new));
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation).hadErrorContaining(c.message()).inFile(source)
        .onLine(lineOf(source, c.at()));
  }

  static Stream<String> architectures() {
    return Stream.of(
        "architecture = Architecture.BERT",
        "architecture = Architecture.NEZHA, maxRelativePosition = 32",
        "architecture = Architecture.BERT, position = Position.ROTARY",
        "architecture = Architecture.BERT, position = Position.HIERARCHICAL, conditionSize = 4",
        "architecture = Architecture.GPT2, conditionSize = 4",
        "architecture = Architecture.ALBERT, embeddingSize = 4",
        "architecture = Architecture.ALBERT_UNSHARED, embeddingSize = 4",
        "architecture = Architecture.ROFORMER, embeddingSize = 4",
        "architecture = Architecture.ROFORMER_V2",
        "architecture = Architecture.ELECTRA, embeddingSize = 4",
        "architecture = Architecture.GPT",
        "architecture = Architecture.GPT2",
        "architecture = Architecture.T5",
        "architecture = Architecture.T5_1_1, convention = Convention.BERT4KERAS");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("options")
  void eachAttentionOptionCompiles(String options) {
    JavaFileObject source = source("Good",
        "@Transformer(layers = 2, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        "@Attention(" + options + ")",
        "@Heads(pooler = true, mlm = true, classes = 2)",
        "public interface Good {}");
    assertThat(compile(source)).succeededWithoutWarnings();
  }

  static Stream<String> options() {
    return Stream.of(
        "normalization = Normalization.SQUARED_RELU",
        "normalization = Normalization.SOFTMAX_PLUS, mask = Mask.UNILM",
        "talkingHeads = true, dropout = 0.1",
        "useBias = false, mask = Mask.LM");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void eachArchitectureCompilesWithItsHeads(String architecture) {
    boolean electra = architecture.contains("ELECTRA");
    boolean causal = architecture.contains("GPT");
    boolean t5 = architecture.contains("T5");
    JavaFileObject source = source("Good",
        "@Transformer(" + architecture + ",",
        "    layers = 2, hidden = 8, heads = 2, intermediate = 16, vocab = 10)",
        electra ? "@Heads(discriminator = true, classes = 2)"
            : t5 ? "@Heads(mlm = true)"
            : causal ? "@Heads(mlm = true, classes = 2)"
            : "@Heads(pooler = true, mlm = true, classes = 2)",
        "public interface Good {}");
    assertThat(compile(source)).succeededWithoutWarnings();
  }
}
