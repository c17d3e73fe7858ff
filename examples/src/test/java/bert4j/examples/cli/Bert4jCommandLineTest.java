package bert4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.io.SafeTensorsReader;
import bert4j.runtime.io.torch.TorchCheckpointReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code bert4j} command line: each command on real inputs, and its errors and exit codes. */
class Bert4jCommandLineTest {
  private static final Path FIXTURES = Path.of("../runtime/src/test/resources/bert4j/runtime/io");

  @TempDir
  Path dir;

  /** The exit status, standard output and standard error of one run. */
  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Bert4j.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void specWritesTheInterfaceOfAConfigAndNeverOverwrites() throws IOException {
    Path config = dir.resolve("config.json");
    Files.writeString(config, "{\"model_type\": \"albert\", \"hidden_size\": 768, \"embedding_size\": 128,"
        + " \"num_hidden_layers\": 12, \"num_attention_heads\": 12, \"intermediate_size\": 3072,"
        + " \"vocab_size\": 30000, \"max_position_embeddings\": 512, \"type_vocab_size\": 2,"
        + " \"hidden_act\": \"gelu_new\", \"layer_norm_eps\": 1e-12}");
    Path out = dir.resolve("AlbertBase.java");
    Run first = run("spec", config.toString(), "--name", "com.acme.AlbertBase", "--pooler",
        "--classes", "3", "--out", out.toString());
    assertEquals(0, first.status(), first.err());
    String source = Files.readString(out);
    assertTrue(source.contains("@Transformer(architecture = Architecture.ALBERT, layers = 12, "
        + "hidden = 768, heads = 12,\n    intermediate = 3072, vocab = 30000,"), source);
    assertTrue(source.contains("embeddingSize = 128"), source);
    assertTrue(source.contains("activation = Activation.GELU_TANH"), source);
    assertTrue(source.contains("@Heads(pooler = true, classes = 3)"), source);
    assertTrue(source.contains("public interface AlbertBase {}"), source);

    Run again = run("spec", config.toString(), "--name", "com.acme.AlbertBase", "--out",
        out.toString());
    assertEquals(Bert4j.INPUT_ERROR, again.status());
    assertTrue(again.err().contains("exists; bert4j spec does not overwrite a file"), again.err());
    assertEquals(source, Files.readString(out), "the file is untouched");
  }

  @Test
  void inspectListsATensorFlowCheckpoint() {
    Run r = run("inspect", FIXTURES.resolve("tf/bert/bert_model.ckpt").toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("bert/encoder/layer_0/attention/self/query/kernel\tDT_FLOAT\t[8, 8]"),
        r.out());
    assertTrue(r.out().contains("global_step\tDT_INT64\t[]"), r.out());
  }

  @Test
  void convertWritesAPyTorchCheckpointAsSafetensors() throws IOException {
    Path bin = FIXTURES.resolve("torch/bert.bin");
    Path out = dir.resolve("bert.safetensors");
    Run r = run("convert", bin.toString(), out.toString());
    assertEquals(0, r.status(), r.err());
    try (TorchCheckpointReader torch = TorchCheckpointReader.open(bin);
        SafeTensorsReader converted = SafeTensorsReader.open(out)) {
      assertEquals(torch.names(), converted.names());
      for (String name : torch.names()) {
        assertArrayEquals(torch.read(name).data(), converted.read(name).data(), name);
      }
    }
  }

  @Test
  void wrongCommandLinesAreUsageErrors() {
    assertEquals(Bert4j.USAGE_ERROR, run().status());
    assertEquals(Bert4j.USAGE_ERROR, run("train").status());
    Run noName = run("spec", "config.json");
    assertEquals(Bert4j.USAGE_ERROR, noName.status());
    assertTrue(noName.err().contains("spec needs a config file and --name"), noName.err());
    Run missing = run("inspect", dir.resolve("nothing.safetensors").toString());
    assertEquals(Bert4j.INPUT_ERROR, missing.status());
    assertTrue(missing.err().startsWith("error: "), missing.err());
  }
}
