package bert4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.kernels.contract.KernelsContract;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A generated model ({@link bert4j.cuda.specs.TinyBert}: UniLM mask, dropout, pooler, MLM and
 * classifier, Adam) computes the same on the backend under test as on the CPU backend
 * ({@link TinyBertScenarios}): forward outputs, the loss and every gradient of a training step,
 * and the losses of six training steps, each to a relative error of at most {@link #tolerance()}.
 */
public abstract class TinyBertAgreementContract extends KernelsContract {
  private Map<String, float[]> want;
  private Map<String, float[]> got;

  /** 1e-3 in float32; 2e-3 when the backend multiplies matrices in TF32. */
  protected double tolerance() {
    return 1e-3;
  }

  @BeforeAll
  void runBoth() {
    if (kernels != null) {
      want = TinyBertScenarios.cpuReference();
      got = TinyBertScenarios.run(kernels);
    }
  }

  @Test
  void forwardOutputsAgree() {
    agree("forward/");
  }

  @Test
  void lossAndGradientsAgree() {
    agree("loss");
    agree("gradient/");
  }

  @Test
  void trainingLossesAgree() {
    agree("training losses");
  }

  private void agree(String prefix) {
    int compared = 0;
    for (Map.Entry<String, float[]> entry : want.entrySet()) {
      if (!entry.getKey().startsWith(prefix)) {
        continue;
      }
      float[] w = entry.getValue();
      float[] g = got.get(entry.getKey());
      assertEquals(w.length, g == null ? -1 : g.length, entry.getKey() + " on both backends");
      double num = 0;
      double den = 0;
      for (int i = 0; i < w.length; i++) {
        num += (g[i] - (double) w[i]) * (g[i] - (double) w[i]);
        den += (double) w[i] * w[i];
      }
      double error = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-6);
      assertTrue(error <= tolerance(), entry.getKey() + ": relative error " + error + " > "
          + tolerance());
      compared++;
    }
    assertTrue(compared > 0, "nothing named " + prefix + "*");
  }
}
