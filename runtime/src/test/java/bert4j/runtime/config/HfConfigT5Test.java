package bert4j.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** T5's and mT5's {@code config.json} (their own keys) read as the spec states them. */
class HfConfigT5Test {
  @TempDir
  Path dir;

  private HfConfig config(String json) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, json);
    return HfConfig.read(file);
  }

  @Test
  void t5SmallIsT5WithReluAndItsSizes() throws IOException {
    HfConfig c = config("{\"model_type\": \"t5\", \"d_model\": 512, \"d_kv\": 64, \"d_ff\": 2048,"
        + " \"num_layers\": 6, \"num_heads\": 8, \"vocab_size\": 32128, \"n_positions\": 512,"
        + " \"feed_forward_proj\": \"relu\", \"layer_norm_epsilon\": 1e-06}");
    assertEquals(Architecture.T5, c.architecture());
    ModelConfig m = c.toModelConfig(null);
    assertEquals(new ModelConfig(Architecture.T5, 6, 512, 8, 2048, 32128, 512, 0, 512,
        Activation.RELU, 1e-6, 0), m);
    assertEquals(List.of(), c.differences(m));
  }

  @Test
  void mt5IsT511WithTheTanhGeluAndNamesItsDifferences() throws IOException {
    HfConfig c = config("{\"model_type\": \"mt5\", \"d_model\": 512, \"d_kv\": 64, \"d_ff\": 1024,"
        + " \"num_layers\": 8, \"num_decoder_layers\": 8, \"num_heads\": 6, \"vocab_size\": 250112,"
        + " \"feed_forward_proj\": \"gated-gelu\", \"layer_norm_epsilon\": 1e-06}");
    assertEquals(Architecture.T5_1_1, c.architecture());
    assertEquals(Activation.GELU_TANH, c.toModelConfig(null).activation());
    List<String> differences = c.differences(new ModelConfig(Architecture.T5_1_1, 6, 512, 6, 1024,
        250112, 16, 0, 512, Activation.GELU, 1e-6, 0));
    assertEquals(2, differences.size(), differences.toString());
    assertTrue(differences.get(0).contains("num_layers=8, the spec has layers=6"));
    assertTrue(differences.get(1).contains("feed_forward_proj=gated-gelu"));
  }

  @Test
  void fewerDecoderLayersAreAnError() throws IOException {
    HfConfig c = config("{\"model_type\": \"t5\", \"d_model\": 8, \"d_ff\": 16, \"num_layers\": 2,"
        + " \"num_decoder_layers\": 1, \"num_heads\": 2, \"vocab_size\": 10}");
    IOException e = assertThrows(IOException.class, () -> c.toModelConfig(null));
    assertTrue(e.getMessage().contains("num_decoder_layers=1 differs from num_layers=2"));
  }
}
