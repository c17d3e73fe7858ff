package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bert4j.dsl.Activation;
import bert4j.runtime.kernels.contract.KernelTesting;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both paths of the activation kernels, oneDNN's eltwise primitives in blocks and the Java loops
 * taken where oneDNN is not loaded, against a double-precision reference of each activation and its
 * derivative: over more than two of oneDNN's blocks and a ragged last one, at offsets into the
 * buffers, and with dPre written over dOut.
 */
class ActivationKernelsTest {
  /** Two full blocks and a ragged last one. */
  private static final int COUNT = 2 * OneDnnEltwise.BLOCK + 1237;
  private static final int OFFSET = 5;
  /** A few float roundings of terms near 1 (the Java GELU_TANH derivative is off by 1.3e-6). */
  private static final double DERIVATIVE_TOLERANCE = 3e-6;
  private static ParallelRows pool;
  private static OneDnnEltwise eltwise;

  @BeforeAll
  static void load() {
    OneDnn dnnl = OneDnn.get();
    assumeTrue(dnnl != null, () -> "oneDNN not loadable here: " + OneDnn.failure());
    pool = new ParallelRows(2);
    eltwise = new OneDnnEltwise(dnnl, pool.threads());
  }

  @AfterAll
  static void close() {
    if (eltwise != null) {
      eltwise.close();
    }
    if (pool != null) {
      pool.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void oneDnnAndJavaMatchTheReference(Activation activation) {
    SplittableRandom random = new SplittableRandom(activation.ordinal());
    float[] pre = new float[OFFSET + COUNT];
    float[] dOut = new float[OFFSET + COUNT];
    for (int i = 0; i < pre.length; i++) {
      pre[i] = (float) (random.nextDouble() * 18 - 9);
      dOut[i] = (float) (random.nextDouble() * 2 - 1);
    }
    ActivationKernels oneDnn = new ActivationKernels(pool, Scratch.perThread(pool), eltwise);
    ActivationKernels java = new ActivationKernels(pool, Scratch.perThread(pool), null);
    for (ActivationKernels kernels : new ActivationKernels[] {oneDnn, java}) {
      String path = kernels == oneDnn ? "oneDNN" : "Java";
      CpuWindow out = window(new float[OFFSET + COUNT]);
      kernels.epilogue(window(pre), OFFSET, null, 0, activation, out, OFFSET, COUNT / 7, 7);
      CpuWindow dPre = window(new float[OFFSET + COUNT]);
      kernels.derivative(activation, window(pre), OFFSET, window(dOut), OFFSET, dPre, OFFSET, COUNT);
      CpuWindow inPlace = window(dOut);
      kernels.derivative(activation, window(pre), OFFSET, inPlace, OFFSET, inPlace, OFFSET, COUNT);
      for (int i = OFFSET; i < OFFSET + COUNT; i++) {
        double x = pre[i];
        double want = dOut[i] * derivative(activation, x);
        String at = path + " " + activation + " at " + x;
        if (i < OFFSET + COUNT / 7 * 7) {
          assertEquals(value(activation, x), out.floats().get(i), 1e-6 * Math.max(1, Math.abs(x)),
              at);
        }
        assertEquals(want, dPre.floats().get(i), DERIVATIVE_TOLERANCE, at);
        assertEquals(dPre.floats().get(i), inPlace.floats().get(i), 0f, at + ", in place");
      }
      assertTrue(dPre.floats().get(OFFSET - 1) == 0f, "nothing written before the offset");
    }
  }

  private static double value(Activation activation, double x) {
    return switch (activation) {
      case GELU -> 0.5 * x * (1 + KernelTesting.erf(x / Math.sqrt(2)));
      case GELU_TANH -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
      case RELU -> Math.max(x, 0);
      case SWISH -> x / (1 + Math.exp(-x));
      case TANH -> Math.tanh(x);
    };
  }

  private static double derivative(Activation activation, double x) {
    return switch (activation) {
      case GELU -> 0.5 * (1 + KernelTesting.erf(x / Math.sqrt(2)))
          + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
      case GELU_TANH -> {
        double u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
        double du = Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x);
        double t = Math.tanh(u);
        yield 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du;
      }
      case RELU -> x > 0 ? 1 : 0;
      case SWISH -> {
        double s = 1 / (1 + Math.exp(-x));
        yield s * (1 + x * (1 - s));
      }
      case TANH -> 1 - Math.tanh(x) * Math.tanh(x);
    };
  }

  private static CpuWindow window(float[] values) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
    b.put(values).flip();
    return new CpuWindow(b, values.length, pool.threads());
  }
}
