package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.model.Harness.Inputs;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.model.GeneratedTransformer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ALBERT's one shared layer against ALBERT_UNSHARED with the shared values copied into every layer:
 * the same function of the same inputs, so the same outputs and loss, the same gradient of every
 * parameter outside the layers, and, as for any tied weight, the shared parameters' gradient equal to
 * the sum over the layers of the unshared model's per-layer gradients. Both sides are the generated
 * models in float32, so the bound is rounding ({@value #TOLERANCE}, relative).
 */
class AlbertSharedGradientTest {
  static final double TOLERANCE = 1e-5;

  @ParameterizedTest
  @EnumSource(value = TestModels.class, names = {"ALBERT_NONE", "ALBERT_LM", "ALBERT_UNILM"})
  void sharedGradientIsTheSumOfTheUnsharedLayersGradients(TestModels spec) {
    TestModels twin = TestModels.valueOf(spec.name().replace("ALBERT_", "ALBERT_UNSHARED_"));
    int layers = spec.config.layers();
    try (GeneratedTransformer shared = spec.create(4, 12);
        GeneratedTransformer unshared = twin.create(4, 12)) {
      Harness.randomizeWeights(shared, 41);
      unshared.initialize(0);
      int copied = 0;
      for (ParameterInfo p : shared.parameters()) {
        FloatTensor values = shared.parameter(p.name());
        for (String name : unsharedNames(p.name(), layers)) {
          unshared.setParameter(name, values);
          copied++;
        }
      }
      assertEquals(unshared.parameters().size(), copied, "every unshared parameter tied to one shared");

      Inputs in = Harness.inputs(spec.config, 10, new int[] {10, 7, 5}, 42);
      Batch batch = new Batch(in.tokens(), in.segments(), in.labels(), in.tokenLabels());
      double forward = Harness.maxAbsError("sequence_output",
          unshared.forward(Batch.of(in.tokens(), in.segments())).sequenceOutput(),
          Harness.toDouble(shared.forward(Batch.of(in.tokens(), in.segments())).sequenceOutput()
              .data()));
      float sharedLoss = shared.computeGradients(batch);
      float unsharedLoss = unshared.computeGradients(batch);
      double worst = 0;
      String worstName = "";
      StringBuilder failures = new StringBuilder();
      for (ParameterInfo p : shared.parameters()) {
        float[] g = shared.gradient(p.name()).data();
        double[] sum = layerSum(unshared, p.name(), layers);
        // the key bias's gradient is 0 in exact arithmetic (softmax is shift-invariant): measure its
        // rounding against the key weight's gradient instead of against itself
        double scale = norm(p.name().endsWith(".key.bias")
            ? layerSum(unshared, p.name().replace(".bias", ".weight"), layers) : sum);
        double diff = 0;
        for (int i = 0; i < sum.length; i++) {
          diff += (g[i] - sum[i]) * (g[i] - sum[i]);
        }
        double error = Math.sqrt(diff) / scale;
        if (!(error <= worst)) {
          worst = error;
          worstName = p.name();
        }
        if (!(error <= TOLERANCE)) {
          failures.append("\n  ").append(p.name()).append(": relative error ").append(error);
        }
      }
      System.out.printf("[reftest] albert-shared %-14s loss %.6f (unshared %.6f), sequence output"
          + " max abs error %.2e, worst relative gradient error %.2e (%s)%n", spec, sharedLoss,
          unsharedLoss, forward, worst, worstName);
      assertTrue(forward <= TOLERANCE, spec + ": sequence output differs by " + forward);
      assertEquals(unsharedLoss, sharedLoss, TOLERANCE * Math.abs(unsharedLoss), spec + ": loss");
      assertTrue(failures.length() == 0, spec + " against " + twin + ":" + failures);
    }
  }

  /** Σ over the unshared parameters tied to the shared {@code name} of their gradients. */
  private static double[] layerSum(GeneratedTransformer unshared, String name, int layers) {
    double[] sum = null;
    for (String tied : unsharedNames(name, layers)) {
      float[] g = unshared.gradient(tied).data();
      sum = sum == null ? new double[g.length] : sum;
      for (int i = 0; i < g.length; i++) {
        sum[i] += g[i];
      }
    }
    return sum;
  }

  private static double norm(double[] a) {
    double s = 0;
    for (double v : a) {
      s += v * v;
    }
    return Math.sqrt(s);
  }

  /**
   * The unshared model's parameters tied to the shared model's {@code name}: one per layer for the
   * shared layer's, the same name otherwise.
   */
  private static String[] unsharedNames(String name, int layers) {
    if (!name.startsWith(ReferenceNames.ALBERT_SHARED)) {
      return new String[] {name};
    }
    String[] names = new String[layers];
    for (int l = 0; l < layers; l++) {
      names[l] = "encoder.layer." + l + "." + name.substring(ReferenceNames.ALBERT_SHARED.length());
    }
    return names;
  }
}
