package bert4j.cuda;

import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static bert4j.runtime.kernels.contract.KernelTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.runtime.cpu.CpuKernels;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Slice;
import bert4j.runtime.kernels.contract.KernelsContract;
import bert4j.runtime.optim.OptimizerProgram;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The backend under test against the CPU backend (itself checked by the kernel contract) on the
 * shapes the contract's small cases leave out: both gemm tile sizes and all three layouts on odd
 * sizes and strides, head sizes up to 128 over several key tiles, wide layer norms, a
 * vocabulary-sized softmax, and the optimizer update. Each case runs on both backends from the same
 * inputs; results must agree to {@link #tolerance()} in relative (whole-tensor) error, and the
 * embedding backward and dropout, which add in the same order on both, bit for bit.
 */
public abstract class CpuAgreementContract extends KernelsContract {
  private Kernels cpu;

  @BeforeAll
  void startCpu() {
    cpu = new CpuKernels(2);
  }

  @AfterAll
  void stopCpu() {
    if (cpu != null) {
      cpu.close();
    }
  }

  /** The relative error allowed for results of matrix products (1e-5 in float32). */
  protected double tolerance() {
    return 1e-5;
  }

  /** The same host data in memory of both backends. */
  private record Twin(Slice cpu, Slice tested, int size) {}

  /** One kernel call, made once per backend with that backend's side of each twin. */
  private interface Call {
    void run(Kernels kernels, Function<Twin, Slice> side);
  }

  private Twin twin(float[] data) {
    return new Twin(put(cpu, data), put(kernels, data), data.length);
  }

  private Twin twinZeros(int n) {
    return new Twin(zeros(cpu, n), zeros(kernels, n), n);
  }

  private void onBoth(Call call) {
    call.run(cpu, Twin::cpu);
    call.run(kernels, Twin::tested);
  }

  private void assertAgree(Twin t, double tolerance, String what) {
    float[] want = get(cpu, t.cpu(), t.size());
    float[] got = get(kernels, t.tested(), t.size());
    double num = 0;
    double den = 0;
    for (int i = 0; i < want.length; i++) {
      num += (got[i] - (double) want[i]) * (got[i] - (double) want[i]);
      den += (double) want[i] * want[i];
    }
    double error = Math.sqrt(num / Math.max(den, 1e-30));
    assertTrue(error <= tolerance, what + ": relative error " + error + " > " + tolerance);
  }

  private void assertIdentical(Twin t, String what) {
    assertArrayEquals(get(cpu, t.cpu(), t.size()), get(kernels, t.tested(), t.size()), what);
  }

  @ParameterizedTest
  @CsvSource({"1, 7, 5, 7", "37, 33, 65, 40", "300, 130, 260, 130", "513, 64, 1030, 70",
      "2048, 48, 1152, 48"})
  void linearForwardAndBackward(int rows, int in, int out, int stride) {
    Random random = new Random(rows);
    Twin x = twin(uniform(random, (rows - 1) * stride + in));
    Twin w = twin(uniform(random, out * in));
    Twin b = twin(uniform(random, out));
    Twin pre = twinZeros(rows * out);
    Twin act = twinZeros(rows * out);
    onBoth((k, s) -> k.linear(s.apply(x), stride, s.apply(w), s.apply(b), Activation.GELU,
        s.apply(pre), s.apply(act), rows, in, out));
    assertAgree(pre, tolerance(), "pre");
    assertAgree(act, tolerance(), "out");

    Twin dPre = twin(uniform(random, rows * out));
    Twin dx = twin(uniform(random, (rows - 1) * stride + in));
    Twin dw = twin(uniform(random, out * in));
    Twin db = twin(uniform(random, out));
    onBoth((k, s) -> k.linearBackward(s.apply(dPre), s.apply(x), stride, s.apply(w), s.apply(dx),
        stride, true, s.apply(dw), s.apply(db), rows, in, out));
    assertAgree(dx, tolerance(), "dx (accumulated)");
    assertAgree(dw, tolerance(), "dw");
    assertAgree(db, 1e-5, "dBias");
  }

  @ParameterizedTest
  @CsvSource({"64, 64, 70, NONE, 0", "64, 64, 129, UNILM, 0.1", "80, 96, 45, LM, 0.1",
      "128, 128, 70, UNILM, 0", "128, 128, 33, LM, 0.2", "3, 5, 1, NONE, 0"})
  void attentionForwardAndBackward(int keySize, int headSize, int seq, Mask mask, float dropout) {
    AttentionShape shape = new AttentionShape(3, seq, 2, keySize, headSize, 0.125f);
    Random random = new Random(seq);
    int tokens = shape.batch() * seq;
    int[] ids = new int[tokens];
    int[] segments = new int[tokens];
    for (int b = 0; b < shape.batch(); b++) {
      int length = b == 2 ? 0 : seq - b * seq / 3;
      for (int i = 0; i < length; i++) {
        ids[b * seq + i] = 1 + random.nextInt(50);
        segments[b * seq + i] = i >= length / 2 ? 1 : 0;
      }
    }
    Twin q = twin(uniform(random, tokens * shape.qkWidth(), -2, 2));
    Twin k = twin(uniform(random, tokens * shape.qkWidth(), -2, 2));
    Twin v = twin(uniform(random, tokens * shape.vWidth()));
    Twin probs = twinZeros(shape.batch() * shape.heads() * seq * seq);
    Twin ctx = twinZeros(tokens * shape.vWidth());
    onBoth((kn, s) -> kn.attention(shape, mask, ids, segments, s.apply(q), s.apply(k),
        s.apply(v), s.apply(probs), s.apply(ctx), dropout, 11));
    assertAgree(probs, 1e-5, "probs");
    assertAgree(ctx, 1e-5, "ctx");

    Twin dCtx = twin(uniform(random, tokens * shape.vWidth()));
    Twin dq = twinZeros(tokens * shape.qkWidth());
    Twin dk = twinZeros(tokens * shape.qkWidth());
    Twin dv = twinZeros(tokens * shape.vWidth());
    onBoth((kn, s) -> kn.attentionBackward(shape, s.apply(q), s.apply(k), s.apply(v),
        s.apply(probs), s.apply(dCtx), s.apply(dq), s.apply(dk), s.apply(dv), dropout, 11));
    assertAgree(dq, 1e-5, "dq");
    assertAgree(dk, 1e-5, "dk");
    assertAgree(dv, 1e-5, "dv");
  }

  @ParameterizedTest
  @ValueSource(ints = {768, 1001})
  void layerNormForwardAndBackward(int width) {
    int rows = 50;
    Random random = new Random(width);
    Twin x = twin(uniform(random, rows * width, -3, 3));
    Twin residual = twin(uniform(random, rows * width, -3, 3));
    Twin gamma = twin(uniform(random, width, 0.5, 1.5));
    Twin beta = twin(uniform(random, width));
    Twin out = twinZeros(rows * width);
    Twin mean = twinZeros(rows);
    Twin rstd = twinZeros(rows);
    onBoth((k, s) -> k.layerNorm(s.apply(x), s.apply(residual), s.apply(gamma), s.apply(beta),
        1e-12f, s.apply(out), s.apply(mean), s.apply(rstd), rows, width));
    assertAgree(x, 1e-6, "h");
    assertAgree(out, 1e-5, "out");
    assertAgree(mean, 1e-6, "mean");
    assertAgree(rstd, 1e-5, "rstd");

    Twin dOut = twin(uniform(random, rows * width));
    Twin dGamma = twin(uniform(random, width));
    Twin dBeta = twin(uniform(random, width));
    onBoth((k, s) -> k.layerNormBackward(s.apply(dOut), s.apply(x), s.apply(mean), s.apply(rstd),
        s.apply(gamma), s.apply(dOut), s.apply(dGamma), s.apply(dBeta), rows, width));
    assertAgree(dOut, 1e-5, "dH (in place)");
    assertAgree(dGamma, 1e-5, "dGamma");
    assertAgree(dBeta, 1e-5, "dBeta");
  }

  @Test
  void crossEntropyOverAVocabulary() {
    int rows = 9;
    int classes = 21128;
    Random random = new Random(4);
    Twin logits = twin(uniform(random, rows * classes, -8, 8));
    Twin dLogits = twinZeros(rows * classes);
    int[] targets = new int[rows];
    for (int r = 0; r < rows; r++) {
      targets[r] = r % 4 == 3 ? -1 : random.nextInt(classes);
    }
    double want = cpu.softmaxCrossEntropy(logits.cpu(), targets, rows, classes, dLogits.cpu(),
        0.5f);
    double got = kernels.softmaxCrossEntropy(logits.tested(), targets, rows, classes,
        dLogits.tested(), 0.5f);
    assertEquals(want, got, 1e-6 * Math.abs(want), "loss");
    assertAgree(dLogits, 1e-5, "dLogits");
  }

  @Test
  void embeddingBackwardAddsInTheSameOrder() {
    int rows = 3000;
    int width = 130;
    Random random = new Random(5);
    int[] ids = new int[rows];
    for (int r = 0; r < rows; r++) {
      ids[r] = random.nextInt(20);
    }
    Twin dOut = twin(uniform(random, rows * width, -100, 100));
    Twin dTable = twin(uniform(random, 25 * width));
    onBoth((k, s) -> k.embeddingBackward(ids, rows, s.apply(dOut), width, s.apply(dTable)));
    assertIdentical(dTable, "dTable");
    Twin out = twin(uniform(random, rows * width));
    onBoth((k, s) -> k.embedding(ids, rows, s.apply(dTable), width, s.apply(out), true));
    assertIdentical(out, "embedding, accumulated");
  }

  @Test
  void dropoutDrawsTheSameMask() {
    int n = 100_003;
    Twin x = twin(uniform(new Random(6), n));
    Twin out = twinZeros(n);
    onBoth((k, s) -> k.dropout(s.apply(x), s.apply(out), n, 0.1f, 0x5EEDL));
    assertIdentical(out, "dropout");
    onBoth((k, s) -> k.dropoutBackward(s.apply(out), s.apply(out), n, 0.3f, -7));
    assertIdentical(out, "dropoutBackward, in place");
  }

  @ParameterizedTest
  @ValueSource(strings = {"adam", "adam-uncorrected", "sgd", "sgd-momentum", "sgd-nesterov"})
  void optimizerStep(String rule) {
    OptimizerProgram program = switch (rule) {
      case "adam" -> OptimizerProgram.adam(1e-3, 0.9, 0.999, 1e-6, true);
      case "adam-uncorrected" -> OptimizerProgram.adam(1e-2, 0.8, 0.99, 1e-8, false);
      case "sgd" -> OptimizerProgram.sgd(0.1, 0, false);
      case "sgd-momentum" -> OptimizerProgram.sgd(0.1, 0.9, false);
      default -> OptimizerProgram.sgd(0.05, 0.9, true);
    };
    int count = 10_007;
    Random random = new Random(7);
    Twin params = twin(uniform(random, count));
    Twin state = twinZeros((int) Math.max(1, program.stateSize(count)));
    for (long step = 1; step <= 3; step++) {
      Twin grads = twin(uniform(random, count));
      long t = step;
      onBoth((k, s) -> k.optimizerStep(program, s.apply(params), s.apply(grads), s.apply(state),
          count, t));
    }
    assertAgree(params, 1e-6, "params");
    assertAgree(state, 1e-6, "state");
  }
}
