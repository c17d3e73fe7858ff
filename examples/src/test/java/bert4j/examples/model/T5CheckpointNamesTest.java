package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.model.specs.RefT5v11Impl;
import bert4j.runtime.Backend;
import bert4j.runtime.LoadOptions;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.io.SafeTensorsReader;
import bert4j.runtime.kernels.Kernels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A T5 saves under Hugging Face's own names, without a prefix ({@code shared.weight},
 * {@code encoder.block.0.layer.0.SelfAttention.q.weight}, {@code lm_head.weight}, ...), and a fresh
 * model loads that file strictly, every value the same.
 */
class T5CheckpointNamesTest {
  @TempDir
  Path dir;

  @Test
  void savesAndLoadsHuggingFacesNames() throws IOException {
    Path file = dir.resolve("model.safetensors");
    try (Kernels kernels = Backend.cpu();
        RefT5v11Impl saved = RefT5v11Impl.create(kernels, 2, 8);
        RefT5v11Impl loaded = RefT5v11Impl.create(kernels, 2, 8)) {
      Harness.randomizeWeights(saved, 21);
      saved.save(file);
      List<String> names;
      try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
        names = reader.names();
      }
      for (String name : List.of("shared.weight",
          "encoder.block.0.layer.0.SelfAttention.q.weight",
          "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
          "encoder.block.1.layer.1.DenseReluDense.wi_0.weight", "encoder.final_layer_norm.weight",
          "decoder.block.1.layer.1.EncDecAttention.o.weight",
          "decoder.block.0.layer.2.layer_norm.weight", "lm_head.weight")) {
        assertTrue(names.contains(name), name + " in " + names);
      }
      assertEquals(saved.parameters().size(), names.stream()
          .filter(n -> !n.startsWith("optimizer.")).count(), "one tensor per parameter");
      loaded.load(file, LoadOptions.defaults().strictly());
      for (ParameterInfo p : saved.parameters()) {
        assertArrayEquals(saved.parameter(p.name()).data(), loaded.parameter(p.name()).data(),
            p.name());
      }
    }
  }
}
