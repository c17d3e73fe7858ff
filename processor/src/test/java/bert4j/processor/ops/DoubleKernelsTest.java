package bert4j.processor.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.runtime.Backend;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Slice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link DoubleKernels} against the CPU backend on the same float inputs (to float tolerance), and
 * each of its backwards against central finite differences of its own forward, all in double.
 */
class DoubleKernelsTest {
  /** Error allowed against the float CPU backend, relative to the largest expected magnitude. */
  private static final double FLOAT_TOLERANCE = 1e-4;
  private static final double FD_STEP = 1e-6;
  /** Error allowed against finite differences, relative to the largest gradient magnitude. */
  private static final double FD_TOLERANCE = 1e-6;
  /** Every test slice starts this far into its memory, and has this much slack after it. */
  private static final int PAD = 3;

  /** Attention batch: sequence 0 has left, middle and right padding, 1 is all padding, 2 none. */
  private static final int[] TOKENS = {0, 7, 5, 0, 3, 0, 0, 0, 0, 0, 0, 0, 2, 4, 6, 8, 9, 1};
  private static final int[] SEGMENTS = {0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1};
  private static final AttentionShape SHAPE = new AttentionShape(3, 6, 2, 3, 4,
      (float) (1 / Math.sqrt(3)));

  /** The CPU backend (OpenBLAS is on the processor's test classpath for it). */
  private static Kernels cpu;
  private final DoubleKernels dbl = new DoubleKernels();
  private final Random random = new Random(20240611);

  @BeforeAll
  static void startCpu() {
    cpu = Backend.cpu();
  }

  @AfterAll
  static void closeCpu() {
    if (cpu != null) {
      cpu.close();
    }
  }

  /** One kernel call, made on whichever backend and its slices by name. */
  @FunctionalInterface
  private interface Call {
    void on(Kernels kernels, Function<String, Slice> slice);
  }

  /** Named tensors holding the same floats on the CPU backend and on {@link DoubleKernels}. */
  private final class Tensors {
    private final Map<String, Slice> onCpu = new HashMap<>();
    private final Map<String, Slice> onDouble = new HashMap<>();
    private final Map<String, Integer> sizes = new HashMap<>();

    Tensors put(String name, float[] data) {
      onCpu.put(name, slice(cpu, data));
      onDouble.put(name, slice(dbl, data));
      sizes.put(name, data.length);
      return this;
    }

    Tensors random(String name, int n) {
      return put(name, uniform(n));
    }

    Tensors zeros(String name, int n) {
      return put(name, new float[n]);
    }

    /** Runs {@code call} on both backends. */
    void run(Call call) {
      call.on(cpu, onCpu::get);
      call.on(dbl, onDouble::get);
    }

    /** Checks that tensor {@code name} agrees on both backends. */
    void compare(String name) {
      int n = sizes.get(name);
      assertNear(name, floats(cpu, onCpu.get(name), n), floats(dbl, onDouble.get(name), n),
          FLOAT_TOLERANCE);
    }

    double[] onDouble(String name) {
      return dbl.doubles(onDouble.get(name), sizes.get(name));
    }
  }

  private static Slice slice(Kernels kernels, float[] data) {
    Slice s = new Slice(kernels.allocate(PAD + data.length + PAD), PAD);
    kernels.write(data, 0, s, data.length);
    return s;
  }

  private static double[] floats(Kernels kernels, Slice s, int n) {
    float[] f = new float[n];
    kernels.read(s, f, 0, n);
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private float[] uniform(int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (2 * random.nextDouble() - 1);
    }
    return a;
  }

  private double[] uniformDoubles(int n) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = 2 * random.nextDouble() - 1;
    }
    return a;
  }

  /** max |expected − actual| ≤ tolerance · max |expected|, and expected not all zero. */
  private static void assertNear(String what, double[] expected, double[] actual,
      double tolerance) {
    double scale = 0;
    double error = 0;
    for (int i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      error = Math.max(error, Math.abs(expected[i] - actual[i]));
    }
    assertTrue(scale > 0, what + ": all zero, the check checks nothing");
    assertTrue(error <= tolerance * scale, what + ": max error " + error + " > " + tolerance
        + " × " + scale + "\n expected " + Arrays.toString(expected) + "\n actual   "
        + Arrays.toString(actual));
  }

  static Stream<Activation> activations() {
    return Stream.concat(Stream.of((Activation) null), Arrays.stream(Activation.values()));
  }

  static Stream<Arguments> masksAndDropout() {
    List<Arguments> cases = new ArrayList<>();
    for (Mask mask : Mask.values()) {
      cases.add(Arguments.of(mask, 0f));
      cases.add(Arguments.of(mask, 0.25f));
    }
    return cases.stream();
  }

  // ---- against the CPU backend ----

  @Test
  void writeReadAndFillMatchTheCpu() {
    Tensors t = new Tensors().random("a", 17);
    t.compare("a");
    t.run((k, s) -> k.fill(s.apply("a").plus(2), 10, 0.375f));
    t.compare("a");
    double[] a = t.onDouble("a");
    assertEquals(0.375, a[2]);
    assertEquals(0.375, a[11]);
  }

  @Test
  void doublesRoundTripWithoutFloatRounding() {
    Slice s = new Slice(dbl.allocate(8), 2);
    double[] values = {0.1, Math.PI, -1e-300, 1 + 1e-12};
    dbl.setDoubles(s, values);
    assertArrayEquals(values, dbl.doubles(s, 4));
    assertEquals(0, dbl.doubles(new Slice(s.memory(), 0), 2)[1]);
  }

  @Test
  void embeddingMatchesTheCpu() {
    int[] ids = {3, 0, 3, 5, 1};
    int width = 4;
    for (boolean accumulate : new boolean[] {false, true}) {
      Tensors t = new Tensors().random("table", 6 * width).random("out", ids.length * width)
          .random("dTable", 6 * width);
      t.run((k, s) -> k.embedding(ids, ids.length, s.apply("table"), width, s.apply("out"),
          accumulate));
      t.compare("out");
      t.run((k, s) -> k.embeddingBackward(ids, ids.length, s.apply("out"), width,
          s.apply("dTable")));
      t.compare("dTable");
    }
  }

  @ParameterizedTest
  @MethodSource("activations")
  void linearWithAStrideMatchesTheCpu(Activation activation) {
    int rows = 5;
    int in = 7;
    int stride = 10;
    int out = 6;
    for (boolean withBias : new boolean[] {true, false}) {
      Tensors t = new Tensors().random("x", (rows - 1) * stride + in).random("w", out * in)
          .random("bias", out).zeros("pre", rows * out).zeros("out", rows * out);
      t.run((k, s) -> k.linear(s.apply("x"), stride, s.apply("w"),
          withBias ? s.apply("bias") : null, activation, s.apply("pre"), s.apply("out"), rows, in,
          out));
      t.compare("pre");
      t.compare("out");
      t.random("dOut", rows * out).zeros("dPre", rows * out);
      t.run((k, s) -> k.activationBackward(activation, s.apply("pre"), s.apply("dOut"),
          s.apply("dPre"), rows * out));
      t.compare("dPre");
      t.run((k, s) -> k.activationBackward(activation, s.apply("pre"), s.apply("dOut"),
          s.apply("dOut"), rows * out));
      t.compare("dOut");
    }
  }

  @Test
  void linearWithoutActivationMayWriteOutOverPre() {
    Tensors t = new Tensors().random("x", 12).random("w", 6).random("bias", 2).zeros("pre", 8);
    t.run((k, s) -> k.linear(s.apply("x"), 3, s.apply("w"), s.apply("bias"), null, s.apply("pre"),
        s.apply("pre"), 4, 3, 2));
    t.compare("pre");
  }

  @Test
  void linearBackwardMatchesTheCpuEitherWayOfAccumulating() {
    int rows = 4;
    int in = 5;
    int stride = 8;
    int out = 3;
    for (boolean accumulate : new boolean[] {false, true}) {
      float[] dx = uniform((rows - 1) * stride + in);
      Tensors t = new Tensors().random("dPre", rows * out).random("x", (rows - 1) * stride + in)
          .random("w", out * in).put("dx", dx).random("dw", out * in).random("dBias", out);
      t.run((k, s) -> k.linearBackward(s.apply("dPre"), s.apply("x"), stride, s.apply("w"),
          s.apply("dx"), stride, accumulate, s.apply("dw"), s.apply("dBias"), !accumulate, rows,
          in, out));
      t.compare("dx");
      t.compare("dw");
      t.compare("dBias");
      double[] written = t.onDouble("dx");
      for (int r = 0; r < rows - 1; r++) {
        for (int c = in; c < stride; c++) {
          assertEquals(dx[r * stride + c], written[r * stride + c], "dx gap " + r + "," + c);
        }
      }
    }
  }

  @Test
  void linearBackwardTakesNullDxAndDBias() {
    Tensors t = new Tensors().random("dPre", 6).random("x", 9).random("w", 6).random("dw", 6);
    t.run((k, s) -> k.linearBackward(s.apply("dPre"), s.apply("x"), 3, s.apply("w"), null, 0,
        false, s.apply("dw"), null, true, 3, 3, 2));
    t.compare("dw");
  }

  @Test
  void layerNormMatchesTheCpuWithAndWithoutResidual() {
    int rows = 4;
    int width = 9;
    for (boolean withResidual : new boolean[] {false, true}) {
      Tensors t = new Tensors().random("x", rows * width).random("residual", rows * width)
          .random("gamma", width).random("beta", width).zeros("out", rows * width)
          .zeros("mean", rows).zeros("rstd", rows).random("dOut", rows * width)
          .random("dGamma", width).random("dBeta", width);
      t.run((k, s) -> k.layerNorm(s.apply("x"), withResidual ? s.apply("residual") : null,
          s.apply("gamma"), s.apply("beta"), 1e-5f, s.apply("out"), s.apply("mean"),
          s.apply("rstd"), rows, width));
      for (String name : List.of("x", "out", "mean", "rstd")) {
        t.compare(name);
      }
      t.run((k, s) -> k.layerNormBackward(s.apply("dOut"), s.apply("x"), s.apply("mean"),
          s.apply("rstd"), s.apply("gamma"), s.apply("dOut"), s.apply("dGamma"),
          s.apply("dBeta"), rows, width));
      for (String name : List.of("dOut", "dGamma", "dBeta")) {
        t.compare(name);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("masksAndDropout")
  void attentionMatchesTheCpu(Mask mask, float dropout) {
    int qk = SHAPE.batch() * SHAPE.seq() * SHAPE.qkWidth();
    int v = SHAPE.batch() * SHAPE.seq() * SHAPE.vWidth();
    int probs = SHAPE.batch() * SHAPE.heads() * SHAPE.seq() * SHAPE.seq();
    Tensors t = new Tensors().random("q", qk).random("k", qk).random("v", v).zeros("probs", probs)
        .zeros("ctx", v).random("dCtx", v).zeros("dq", qk).zeros("dk", qk).zeros("dv", v);
    long seed = 99;
    t.run((k, s) -> k.attention(SHAPE, mask, TOKENS, SEGMENTS, s.apply("q"), s.apply("k"),
        s.apply("v"), s.apply("probs"), s.apply("ctx"), dropout, seed));
    t.compare("probs");
    t.compare("ctx");
    double[] p = t.onDouble("probs");
    int n = SHAPE.seq();
    for (int i = 0; i < n * n; i++) {
      assertEquals(1.0 / n, p[SHAPE.heads() * n * n + i], "the all-padding sequence is uniform");
    }
    t.run((k, s) -> k.attentionBackward(SHAPE, mask, TOKENS, SEGMENTS, s.apply("q"), s.apply("k"),
        s.apply("v"), s.apply("probs"), s.apply("dCtx"), s.apply("dq"), s.apply("dk"),
        s.apply("dv"), dropout, seed));
    t.compare("dq");
    t.compare("dk");
    t.compare("dv");
  }

  @Test
  void firstNonFiniteMatchesTheCpu() {
    float[] x = uniform(40);
    x[13] = Float.NaN;
    x[29] = Float.NEGATIVE_INFINITY;
    Tensors t = new Tensors().put("x", x);
    for (int count : new int[] {13, 14, 40}) {
      long want = count > 13 ? 13 : -1;
      t.run((k, s) -> assertEquals(want, k.firstNonFinite(s.apply("x"), count),
          k.name() + ", count " + count));
    }
    t.run((k, s) -> assertEquals(15, k.firstNonFinite(s.apply("x").plus(14), 26), k.name()));
  }

  @Test
  void dropoutMatchesTheCpu() {
    int n = 1000;
    Tensors t = new Tensors().random("x", n).zeros("out", n).random("same", n);
    t.run((k, s) -> k.dropout(s.apply("x"), s.apply("out"), n, 0.3f, 7));
    t.compare("out");
    t.run((k, s) -> k.dropoutBackward(s.apply("same"), s.apply("same"), n, 0.3f, 7));
    t.compare("same");
    double[] x = t.onDouble("x");
    double[] out = t.onDouble("out");
    int kept = 0;
    for (int i = 0; i < n; i++) {
      kept += out[i] != 0 ? 1 : 0;
      assertTrue(out[i] == 0 || Math.abs(out[i] - x[i] / (1 - (double) 0.3f)) < 1e-12,
          "element " + i);
    }
    assertTrue(kept > 600 && kept < 800, "kept " + kept + " of " + n);
    t.run((k, s) -> k.dropout(s.apply("x"), s.apply("out"), n, 0f, 7));
    assertArrayEquals(t.onDouble("x"), t.onDouble("out"));
  }

  @Test
  void softmaxCrossEntropyMatchesTheCpu() {
    int[] targets = {3, -1, 0, 6, -1};
    int classes = 7;
    int n = targets.length * classes;
    Tensors t = new Tensors().random("logits", n).zeros("dLogits", n);
    double[] losses = new double[2];
    t.run((k, s) -> losses[k == cpu ? 0 : 1] = k.softmaxCrossEntropy(s.apply("logits"), targets,
        targets.length, classes, s.apply("dLogits"), 0.5f));
    assertEquals(losses[0], losses[1], FLOAT_TOLERANCE * Math.abs(losses[0]));
    t.compare("dLogits");
    double[] d = t.onDouble("dLogits");
    for (int c = 0; c < classes; c++) {
      assertEquals(0, d[classes + c], "ignored row 1");
      assertEquals(0, d[4 * classes + c], "ignored row 4");
    }
    t.run((k, s) -> k.softmaxCrossEntropy(s.apply("logits"), targets, targets.length, classes,
        s.apply("logits"), 0.5f));
    t.compare("logits");
    Slice logits = new Slice(dbl.allocate(classes), 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> dbl.softmaxCrossEntropy(logits, new int[] {classes}, 1, classes, logits, 1f));
    assertTrue(e.getMessage().contains("targets[0]"), e.getMessage());
  }

  /** Tags in [0, 3) where {@link #TOKENS} has tokens, −1 at padding. */
  private static int[] tagPaths() {
    int[] tags = new int[TOKENS.length];
    for (int r = 0; r < tags.length; r++) {
      tags[r] = TOKENS[r] == 0 ? -1 : (r * 7 + 1) % 3;
    }
    return tags;
  }

  /** The CRF (by enumeration here) and the MEMM: loss, dEmissions, dTransitions added onto. */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void tagPathLossesMatchTheCpu(boolean crf) {
    int[] tags = tagPaths();
    int n = TOKENS.length * 3;
    Tensors t = new Tensors().random("emissions", n).random("transitions", 9).zeros("dEmissions", n)
        .random("dTransitions", 9);
    double[] losses = new double[2];
    t.run((k, s) -> losses[k == cpu ? 0 : 1] = crf
        ? k.crfLoss(s.apply("emissions"), s.apply("transitions"), tags, TOKENS, 3, 6, 3,
            s.apply("dEmissions"), s.apply("dTransitions"), 0.5f)
        : k.memmLoss(s.apply("emissions"), s.apply("transitions"), tags, TOKENS, 3, 6, 3,
            s.apply("dEmissions"), s.apply("dTransitions"), 0.5f));
    assertEquals(losses[0], losses[1], FLOAT_TOLERANCE * Math.abs(losses[0]));
    t.compare("dEmissions");
    t.compare("dTransitions");
  }

  // ---- backwards against central finite differences, in double ----

  /** A scalar function of named double inputs (the rest fixed), for finite differences. */
  @FunctionalInterface
  private interface Loss {
    double value(Map<String, double[]> inputs);
  }

  /** New double memory holding {@code values} from offset {@link #PAD}. */
  private Slice put(double[] values) {
    Slice s = new Slice(dbl.allocate(PAD + values.length + PAD), PAD);
    dbl.setDoubles(s, values);
    return s;
  }

  private Slice zeros(int n) {
    return new Slice(dbl.allocate(PAD + n + PAD), PAD);
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /** Compares each analytic gradient with central differences of {@code loss} in its input. */
  private static void checkGradients(String what, Map<String, double[]> inputs, Loss loss,
      Map<String, double[]> analytic) {
    for (Map.Entry<String, double[]> e : analytic.entrySet()) {
      double[] x = inputs.get(e.getKey());
      double[] numeric = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        double saved = x[i];
        x[i] = saved + FD_STEP;
        double up = loss.value(inputs);
        x[i] = saved - FD_STEP;
        double down = loss.value(inputs);
        x[i] = saved;
        numeric[i] = (up - down) / (2 * FD_STEP);
      }
      assertNear(what + ": d/d" + e.getKey(), numeric, e.getValue(), FD_TOLERANCE);
    }
  }

  @Test
  void embeddingBackwardIsTheGradientOfEmbedding() {
    int[] ids = {2, 0, 2, 1};
    int width = 3;
    double[] weights = uniformDoubles(ids.length * width);
    Map<String, double[]> in = Map.of("table", uniformDoubles(3 * width));
    Loss loss = x -> {
      Slice out = zeros(ids.length * width);
      dbl.embedding(ids, ids.length, put(x.get("table")), width, out, false);
      return dot(weights, dbl.doubles(out, weights.length));
    };
    Slice dTable = zeros(3 * width);
    dbl.embeddingBackward(ids, ids.length, put(weights), width, dTable);
    checkGradients("embedding", in, loss, Map.of("table", dbl.doubles(dTable, 3 * width)));
  }

  @ParameterizedTest
  @MethodSource("activations")
  void linearBackwardIsTheGradientOfLinear(Activation activation) {
    int rows = 3;
    int in = 4;
    int stride = 6;
    int out = 5;
    int xSize = (rows - 1) * stride + in;
    double[] weights = uniformDoubles(rows * out);
    Map<String, double[]> inputs = Map.of("x", uniformDoubles(xSize), "w",
        uniformDoubles(out * in), "bias", uniformDoubles(out));
    Loss loss = x -> {
      Slice o = zeros(rows * out);
      dbl.linear(put(x.get("x")), stride, put(x.get("w")), put(x.get("bias")), activation,
          zeros(rows * out), o, rows, in, out);
      return dot(weights, dbl.doubles(o, weights.length));
    };
    Slice x = put(inputs.get("x"));
    Slice w = put(inputs.get("w"));
    Slice pre = zeros(rows * out);
    dbl.linear(x, stride, w, put(inputs.get("bias")), activation, pre, zeros(rows * out), rows,
        in, out);
    Slice dPre = put(weights);
    dbl.activationBackward(activation, pre, dPre, dPre, rows * out);
    Slice dx = zeros(xSize);
    Slice dw = zeros(out * in);
    Slice dBias = zeros(out);
    dbl.linearBackward(dPre, x, stride, w, dx, stride, false, dw, dBias, true, rows, in, out);
    checkGradients("linear " + activation, inputs, loss, Map.of("x", dbl.doubles(dx, xSize), "w",
        dbl.doubles(dw, out * in), "bias", dbl.doubles(dBias, out)));
  }

  @Test
  void layerNormBackwardIsTheGradientOfLayerNorm() {
    int rows = 3;
    int width = 5;
    int n = rows * width;
    double[] weights = uniformDoubles(n);
    for (boolean withResidual : new boolean[] {false, true}) {
      Map<String, double[]> inputs = Map.of("x", uniformDoubles(n), "residual",
          uniformDoubles(n), "gamma", uniformDoubles(width), "beta", uniformDoubles(width));
      Loss loss = x -> {
        Slice out = zeros(n);
        dbl.layerNorm(put(x.get("x")), withResidual ? put(x.get("residual")) : null,
            put(x.get("gamma")), put(x.get("beta")), 1e-5f, out, zeros(rows), zeros(rows), rows,
            width);
        return dot(weights, dbl.doubles(out, n));
      };
      Slice h = put(inputs.get("x"));
      Slice mean = zeros(rows);
      Slice rstd = zeros(rows);
      Slice gamma = put(inputs.get("gamma"));
      dbl.layerNorm(h, withResidual ? put(inputs.get("residual")) : null, gamma,
          put(inputs.get("beta")), 1e-5f, zeros(n), mean, rstd, rows, width);
      Slice dH = zeros(n);
      Slice dGamma = zeros(width);
      Slice dBeta = zeros(width);
      dbl.layerNormBackward(put(weights), h, mean, rstd, gamma, dH, dGamma, dBeta, rows, width);
      Map<String, double[]> analytic = new LinkedHashMap<>();
      analytic.put("x", dbl.doubles(dH, n));
      if (withResidual) {
        analytic.put("residual", dbl.doubles(dH, n));
      }
      analytic.put("gamma", dbl.doubles(dGamma, width));
      analytic.put("beta", dbl.doubles(dBeta, width));
      checkGradients("layerNorm, residual " + withResidual, inputs, loss, analytic);
    }
  }

  @ParameterizedTest
  @MethodSource("masksAndDropout")
  void attentionBackwardIsTheGradientOfAttention(Mask mask, float dropout) {
    int qk = SHAPE.batch() * SHAPE.seq() * SHAPE.qkWidth();
    int v = SHAPE.batch() * SHAPE.seq() * SHAPE.vWidth();
    int probs = SHAPE.batch() * SHAPE.heads() * SHAPE.seq() * SHAPE.seq();
    long seed = 5;
    double[] weights = uniformDoubles(v);
    Map<String, double[]> inputs = Map.of("q", uniformDoubles(qk), "k", uniformDoubles(qk), "v",
        uniformDoubles(v));
    Loss loss = x -> {
      Slice ctx = zeros(v);
      dbl.attention(SHAPE, mask, TOKENS, SEGMENTS, put(x.get("q")), put(x.get("k")),
          put(x.get("v")), zeros(probs), ctx, dropout, seed);
      return dot(weights, dbl.doubles(ctx, v));
    };
    Slice q = put(inputs.get("q"));
    Slice k = put(inputs.get("k"));
    Slice vs = put(inputs.get("v"));
    Slice p = zeros(probs);
    dbl.attention(SHAPE, mask, TOKENS, SEGMENTS, q, k, vs, p, zeros(v), dropout, seed);
    Slice dq = zeros(qk);
    Slice dk = zeros(qk);
    Slice dv = zeros(v);
    dbl.attentionBackward(SHAPE, mask, TOKENS, SEGMENTS, q, k, vs, p, put(weights), dq, dk, dv,
        dropout, seed);
    checkGradients("attention " + mask + " dropout " + dropout, inputs, loss, Map.of("q",
        dbl.doubles(dq, qk), "k", dbl.doubles(dk, qk), "v", dbl.doubles(dv, v)));
  }

  @Test
  void dropoutBackwardIsTheGradientOfDropout() {
    int n = 40;
    double[] weights = uniformDoubles(n);
    Map<String, double[]> inputs = Map.of("x", uniformDoubles(n));
    Loss loss = x -> {
      Slice out = zeros(n);
      dbl.dropout(put(x.get("x")), out, n, 0.4f, 3);
      return dot(weights, dbl.doubles(out, n));
    };
    Slice dx = zeros(n);
    dbl.dropoutBackward(put(weights), dx, n, 0.4f, 3);
    checkGradients("dropout", inputs, loss, Map.of("x", dbl.doubles(dx, n)));
  }

  @Test
  void softmaxCrossEntropyGradientIsTheScaledGradientOfItsLoss() {
    int[] targets = {1, -1, 4, 0};
    int classes = 5;
    int n = targets.length * classes;
    float gradScale = 0.25f;
    Map<String, double[]> inputs = Map.of("logits", uniformDoubles(n));
    Loss loss = x -> gradScale
        * dbl.softmaxCrossEntropy(put(x.get("logits")), targets, targets.length, classes,
            zeros(n), gradScale);
    Slice dLogits = zeros(n);
    dbl.softmaxCrossEntropy(put(inputs.get("logits")), targets, targets.length, classes, dLogits,
        gradScale);
    checkGradients("softmaxCrossEntropy", inputs, loss, Map.of("logits",
        dbl.doubles(dLogits, n)));
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void tagPathLossGradientsAreTheScaledGradientsOfTheirLoss(boolean crf) {
    int[] tags = tagPaths();
    int n = TOKENS.length * 3;
    float gradScale = 0.25f;
    Map<String, double[]> inputs = Map.of("emissions", uniformDoubles(n), "transitions",
        uniformDoubles(9));
    Loss loss = x -> gradScale * (crf
        ? dbl.crfLoss(put(x.get("emissions")), put(x.get("transitions")), tags, TOKENS, 3, 6, 3,
            zeros(n), zeros(9), gradScale)
        : dbl.memmLoss(put(x.get("emissions")), put(x.get("transitions")), tags, TOKENS, 3, 6, 3,
            zeros(n), zeros(9), gradScale));
    Slice dEmissions = zeros(n);
    Slice dTransitions = zeros(9);
    if (crf) {
      dbl.crfLoss(put(inputs.get("emissions")), put(inputs.get("transitions")), tags, TOKENS, 3, 6,
          3, dEmissions, dTransitions, gradScale);
    } else {
      dbl.memmLoss(put(inputs.get("emissions")), put(inputs.get("transitions")), tags, TOKENS, 3,
          6, 3, dEmissions, dTransitions, gradScale);
    }
    checkGradients(crf ? "crfLoss" : "memmLoss", inputs, loss, Map.of("emissions",
        dbl.doubles(dEmissions, n), "transitions", dbl.doubles(dTransitions, 9)));
  }
}
