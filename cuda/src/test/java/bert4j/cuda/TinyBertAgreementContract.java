package bert4j.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.cuda.specs.TinyBertImpl;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.Outputs;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.cpu.CpuKernels;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.contract.KernelsContract;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A generated model ({@link bert4j.cuda.specs.TinyBert}: UniLM mask, dropout, pooler, MLM and
 * classifier, Adam) computes the same on the backend under test as on the CPU backend: forward
 * outputs, the loss and every parameter gradient of a training step (dropout masks agree, both
 * backends drawing them from the same counter-based hash), and the losses of a few training steps.
 * Agreement is relative error per tensor, at most {@link #tolerance()}.
 */
public abstract class TinyBertAgreementContract extends KernelsContract {
  private static final int BATCH = 4;
  private static final int SEQ = 24;
  private Kernels cpu;
  private TinyBertImpl onCpu;
  private TinyBertImpl tested;

  /** 1e-3 in float32; 2e-3 when the backend multiplies matrices in TF32. */
  protected double tolerance() {
    return 1e-3;
  }

  @BeforeAll
  void createModels() {
    if (kernels == null) {
      return;
    }
    cpu = new CpuKernels(2);
    onCpu = TinyBertImpl.create(cpu, BATCH, SEQ);
    tested = TinyBertImpl.create(kernels, BATCH, SEQ);
  }

  @AfterAll
  void closeModels() {
    for (AutoCloseable resource : new AutoCloseable[] {tested, onCpu, cpu}) {
      if (resource != null) {
        try {
          resource.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  private void reset(long seed) {
    for (TinyBertImpl model : new TinyBertImpl[] {onCpu, tested}) {
      model.initialize(seed);
      model.seedDropout(seed + 1);
    }
  }

  /** Four rows of different lengths (one padding-only row after the first), both heads' labels. */
  private static Batch batch(long seed) {
    Random random = new Random(seed);
    int[][] tokens = new int[BATCH][SEQ];
    int[][] segments = new int[BATCH][SEQ];
    int[][] tokenLabels = new int[BATCH][SEQ];
    int[] labels = new int[BATCH];
    int[] lengths = {SEQ, SEQ - 5, 9, 2};
    for (int b = 0; b < BATCH; b++) {
      labels[b] = random.nextInt(3);
      for (int i = 0; i < SEQ; i++) {
        boolean real = i < lengths[b];
        tokens[b][i] = real ? 1 + random.nextInt(96) : 0;
        segments[b][i] = real && i >= lengths[b] / 2 ? 1 : 0;
        tokenLabels[b][i] = real && random.nextInt(3) == 0 ? 1 + random.nextInt(96) : -1;
      }
    }
    return new Batch(tokens, segments, labels, tokenLabels);
  }

  @Test
  void forwardOutputsAgree() {
    reset(1);
    Map<String, FloatTensor> want = onCpu.forward(batch(2)).asMap();
    Outputs got = tested.forward(batch(2));
    assertTrue(want.keySet().equals(got.asMap().keySet()), "the same outputs");
    for (Map.Entry<String, FloatTensor> output : want.entrySet()) {
      assertClose(output.getValue().data(), got.asMap().get(output.getKey()).data(),
          output.getKey());
    }
  }

  @Test
  void lossAndGradientsAgree() {
    reset(3);
    float want = onCpu.computeGradients(batch(4));
    float got = tested.computeGradients(batch(4));
    assertClose(new float[] {want}, new float[] {got}, "loss");
    for (ParameterInfo p : onCpu.parameters()) {
      assertClose(onCpu.gradient(p.name()).data(), tested.gradient(p.name()).data(),
          "gradient of " + p.name());
    }
  }

  @Test
  void trainingLossesAgree() {
    reset(5);
    for (int step = 0; step < 6; step++) {
      Batch batch = batch(10 + step);
      float want = onCpu.trainStep(batch);
      float got = tested.trainStep(batch);
      assertClose(new float[] {want}, new float[] {got}, "loss of training step " + step);
    }
  }

  private void assertClose(float[] want, float[] got, String what) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < want.length; i++) {
      num += (got[i] - (double) want[i]) * (got[i] - (double) want[i]);
      den += (double) want[i] * want[i];
    }
    double error = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-6);
    assertTrue(error <= tolerance(), what + ": relative error " + error + " > " + tolerance());
  }
}
