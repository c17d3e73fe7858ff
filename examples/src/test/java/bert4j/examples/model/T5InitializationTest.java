package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import bert4j.examples.model.specs.RefT5Impl;
import bert4j.examples.model.specs.RefT5v11Impl;
import bert4j.runtime.Backend;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.TransformerModel;
import bert4j.runtime.kernels.Kernels;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A T5 trained from scratch starts as Hugging Face's {@code T5ForConditionalGeneration(config)}:
 * norms at 1, the shared embedding at standard deviation 1, q at (d_model·d_kv)^−0.5, k and v at
 * d_model^−0.5, o at (heads·d_kv)^−0.5, wi / wi_0 / wi_1 at d_model^−0.5, wo at d_ff^−0.5, the
 * relative position tables at d_model^−0.5; T5 1.1's untied {@code lm_head} at Mesh TensorFlow's
 * d_model^−0.5 (Hugging Face's 1 left a couplet T5 at a held-out loss of 12 after an epoch). The
 * reference specs have d_model 16, 2 heads of d_kv 6 and d_ff 24; each kind's weights are pooled over
 * the layers and both stacks, and their root mean square must be within 15% of the expected deviation.
 */
class T5InitializationTest {
  private static final double D_MODEL = 16;
  private static final double D_KV = 6;
  private static final double HEADS = 2;
  private static final double D_FF = 24;

  @Test
  void t5v11StartsFromHuggingFacesInitialization() {
    try (Kernels kernels = Backend.cpu(); RefT5v11Impl model = RefT5v11Impl.create(kernels, 2, 8)) {
      model.initialize(21);
      assertClose(Map.ofEntries(Map.entry("norm", 1.0),
          Map.entry("shared", 1.0),
          Map.entry("lm_head", 1 / Math.sqrt(D_MODEL)),
          Map.entry("q", expectedQ()),
          Map.entry("k", 1 / Math.sqrt(D_MODEL)),
          Map.entry("v", 1 / Math.sqrt(D_MODEL)),
          Map.entry("o", 1 / Math.sqrt(HEADS * D_KV)),
          Map.entry("wi_0", 1 / Math.sqrt(D_MODEL)),
          Map.entry("wi_1", 1 / Math.sqrt(D_MODEL)),
          Map.entry("wo", 1 / Math.sqrt(D_FF)),
          Map.entry("relative_attention_bias", 1 / Math.sqrt(D_MODEL))), pooledDeviations(model));
    }
  }

  @Test
  void t5StartsFromHuggingFacesInitialization() {
    try (Kernels kernels = Backend.cpu(); RefT5Impl model = RefT5Impl.create(kernels, 2, 8)) {
      model.initialize(22);
      Map<String, Double> measured = pooledDeviations(model);
      assertClose(Map.ofEntries(Map.entry("norm", 1.0),
          Map.entry("shared", 1.0),
          Map.entry("q", expectedQ()),
          Map.entry("k", 1 / Math.sqrt(D_MODEL)),
          Map.entry("v", 1 / Math.sqrt(D_MODEL)),
          Map.entry("o", 1 / Math.sqrt(HEADS * D_KV)),
          Map.entry("wi", 1 / Math.sqrt(D_MODEL)),
          Map.entry("wo", 1 / Math.sqrt(D_FF)),
          Map.entry("relative_attention_bias", 1 / Math.sqrt(D_MODEL))), measured);
    }
  }

  private static double expectedQ() {
    return 1 / Math.sqrt(D_MODEL * D_KV);
  }

  private static void assertClose(Map<String, Double> expected, Map<String, Double> measured) {
    assertEquals(new TreeMap<>(expected).keySet(), new TreeMap<>(measured).keySet(),
        "the kinds of parameters (T5 1.0 has no lm_head: its head is the tied embedding)");
    expected.forEach((kind, std) -> assertEquals(std, measured.get(kind), 0.15 * std,
        kind + ": root mean square " + measured.get(kind) + ", expected " + std));
  }

  /** The root mean square of each kind of weight (its name's last part before .weight). */
  private static Map<String, Double> pooledDeviations(TransformerModel model) {
    Map<String, double[]> sums = new TreeMap<>();
    for (ParameterInfo p : model.parameters()) {
      String name = p.name();
      String kind = name.endsWith("layer_norm.weight") ? "norm"
          : name.substring(0, name.length() - ".weight".length())
              .substring(name.substring(0, name.length() - ".weight".length()).lastIndexOf('.') + 1);
      double[] sum = sums.computeIfAbsent(kind, k -> new double[2]);
      for (float v : model.parameter(name).data()) {
        sum[0] += (double) v * v;
        sum[1]++;
      }
    }
    Map<String, Double> out = new TreeMap<>();
    sums.forEach((kind, sum) -> out.put(kind, Math.sqrt(sum[0] / sum[1])));
    return out;
  }
}
