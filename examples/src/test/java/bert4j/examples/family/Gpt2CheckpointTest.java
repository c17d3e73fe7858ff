package bert4j.examples.family;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import bert4j.runtime.Backend;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.io.SafeTensorsReader;
import bert4j.runtime.kernels.Kernels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-2 loads Hugging Face's layout (fused {@code attn.c_attn}, Conv1D weights {@code [in, out]}, no
 * prefix) and saves it back: a round trip through the model leaves every tensor's name, shape and
 * bits as the file had them. The fixture is written by make_gpt2_fixture.py, not by bert4j.
 */
class Gpt2CheckpointTest {
  @TempDir
  Path dir;

  @Test
  void loadsHuggingFaceLayoutAndSavesItBackBitForBit() throws IOException {
    Path fixture = dir.resolve("gpt2_tiny.safetensors");
    try (InputStream in = getClass().getResourceAsStream("gpt2_tiny.safetensors")) {
      Files.copy(in, fixture, StandardCopyOption.REPLACE_EXISTING);
    }
    Map<String, FloatTensor> stored = readAll(fixture);
    Path saved = dir.resolve("saved.safetensors");
    try (Kernels kernels = Backend.cpu();
        TinyGpt2Impl model = TinyGpt2Impl.create(kernels, 2, 16)) {
      model.load(fixture);
      FloatTensor conv = stored.get("h.1.attn.c_attn.weight");
      FloatTensor own = model.parameter("h.1.attn.c_attn.weight");
      assertArrayEquals(new int[] {96, 32}, own.shape(), "held [out, in]");
      for (int in = 0; in < 32; in++) {
        for (int out = 0; out < 96; out++) {
          assertEquals(conv.get(in, out), own.get(out, in), "c_attn[" + in + "][" + out + "]");
        }
      }
      model.save(saved);
    }
    Map<String, FloatTensor> back = readAll(saved);
    assertEquals(List.copyOf(stored.keySet()).stream().sorted().toList(),
        List.copyOf(back.keySet()).stream().sorted().toList(), "the same tensor names");
    for (Map.Entry<String, FloatTensor> e : stored.entrySet()) {
      FloatTensor b = back.get(e.getKey());
      assertArrayEquals(e.getValue().shape(), b.shape(), e.getKey() + " shape");
      assertArrayEquals(bits(e.getValue()), bits(b), e.getKey() + " bits");
    }
  }

  private static Map<String, FloatTensor> readAll(Path file) throws IOException {
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
      for (String name : reader.names()) {
        tensors.put(name, reader.read(name));
      }
    }
    return tensors;
  }

  private static int[] bits(FloatTensor t) {
    float[] data = t.data();
    int[] bits = new int[data.length];
    for (int i = 0; i < data.length; i++) {
      bits[i] = Float.floatToRawIntBits(data[i]);
    }
    return bits;
  }
}
