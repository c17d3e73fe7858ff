package bert4j.processor.tape;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.processor.ops.Add;
import bert4j.processor.ops.Attention;
import bert4j.processor.ops.AttentionContext;
import bert4j.processor.ops.AttentionNormalize;
import bert4j.processor.ops.AttentionScores;
import bert4j.processor.ops.AttentionShape;
import bert4j.processor.ops.ConditionalLayerNorm;
import bert4j.processor.ops.CrfLoss;
import bert4j.processor.ops.DoubleKernels;
import bert4j.processor.ops.Dropout;
import bert4j.processor.ops.Embedding;
import bert4j.processor.ops.HierarchicalPositions;
import bert4j.processor.ops.KernelOp;
import bert4j.processor.ops.LayerNorm;
import bert4j.processor.ops.Linear;
import bert4j.processor.ops.LossOp;
import bert4j.processor.ops.MemmLoss;
import bert4j.processor.ops.MixHeads;
import bert4j.processor.ops.Multiply;
import bert4j.processor.ops.ProbsDropout;
import bert4j.processor.ops.RelativeContext;
import bert4j.processor.ops.RelativePositionBias;
import bert4j.processor.ops.RelativeScores;
import bert4j.processor.ops.RmsNorm;
import bert4j.processor.ops.Rotary;
import bert4j.processor.ops.Scale;
import bert4j.processor.ops.SigmoidCrossEntropy;
import bert4j.processor.ops.SoftmaxCrossEntropy;
import bert4j.processor.ops.SpanLoss;
import bert4j.processor.ops.SpanMask;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Call;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Slice;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each typed forward op's derived backward, op by op, against central finite differences in double
 * precision. A case records one op on a {@link Tape} whose differentiable inputs are looked up from
 * parameter tables (so they carry gradients), then a softmax cross-entropy of its output; the
 * {@link Gradients} derivation is run, and forward and backward calls are executed by reflection on
 * {@link DoubleKernels} — which also checks each op's kernel name and arguments against
 * {@code Kernels}. Every parameter's derived gradient must match the finite differences of the loss.
 */
class DerivedBackwardTest {
  private static final int BATCH = 2;
  private static final int SEQ = 3;
  private static final int ROWS = BATCH * SEQ;
  private static final int[] TOKENS = {2, 5, 0, 0, 7, 9};
  private static final int[] SEGMENTS = {0, 1, 0, 0, 0, 1};

  /**
   * One op under test, recorded by {@code build} on a tape that already has the inputs' tables; a
   * case of {@code tagPaths} tags records its own tag-path loss and returns null, as does a case
   * with {@code spans} (its span loss's targets, 4 ints a span).
   */
  record Case(String name, int tagPaths, int[] spans, Function<Tape, Value> build) {
    Case(String name, Function<Tape, Value> build) {
      this(name, 0, null, build);
    }

    Case(String name, int tagPaths, Function<Tape, Value> build) {
      this(name, tagPaths, null, build);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** An input of width {@code width}: rows looked up from a parameter table, so it has a gradient. */
  static Value input(Tape tape, String name, int width) {
    Parameter table = tape.parameter(name + ".table", name + "Table", ROWS, width);
    Value v = tape.buffer(name, Extent.TOKENS, width);
    tape.record(new Embedding("inputIds", table, width, null, v));
    return v;
  }

  static Stream<Case> cases() {
    List<Case> cases = new ArrayList<>();
    for (Activation a : new Activation[] {null, Activation.GELU, Activation.GELU_TANH,
        Activation.RELU, Activation.SWISH, Activation.TANH}) {
      cases.add(new Case("linear " + a, t -> {
        Value x = input(t, "x", 4);
        Parameter w = t.parameter("w", "w", 3, 4);
        Parameter b = t.parameter("b", "b", 3);
        Value pre = a == null ? null : t.buffer("pre", Extent.TOKENS, 3);
        Value out = t.buffer("out", Extent.TOKENS, 3);
        t.record(new Linear(x, false, w, b, a, pre, out, 4, 3));
        return out;
      }));
    }
    cases.add(new Case("linear on [CLS] rows, no bias", t -> {
      Value x = input(t, "x", 4);
      Parameter w = t.parameter("w", "w", 3, 4);
      Value out = t.buffer("out", Extent.SEQUENCES, 3);
      t.record(new Linear(x, true, w, null, null, null, out, 4, 3));
      return out;
    }));
    cases.add(new Case("linear, input used twice (accumulated gradient)", t -> {
      Value x = input(t, "x", 4);
      Parameter w1 = t.parameter("w1", "w1", 4, 4);
      Value y = t.buffer("y", Extent.TOKENS, 4);
      t.record(new Linear(x, false, w1, null, Activation.TANH, t.buffer("yPre", Extent.TOKENS, 4), y,
          4, 4));
      Parameter w2 = t.parameter("w2", "w2", 3, 4);
      Value z = t.buffer("z", Extent.TOKENS, 3);
      t.record(new Linear(x, false, w2, null, null, null, z, 4, 3));
      Value h = t.next(z);
      Value out = t.buffer("out", Extent.TOKENS, 3);
      Parameter g = t.parameter("g", "g", 3);
      Parameter b = t.parameter("b", "b", 3);
      Parameter w3 = t.parameter("w3", "w3", 3, 4);
      Value y3 = t.buffer("y3", Extent.TOKENS, 3);
      t.record(new Linear(y, false, w3, null, null, null, y3, 4, 3));
      t.record(new LayerNorm(z, y3, g, b, 1e-5f, h, out, t.buffer("mean", Extent.TOKENS, 1),
          t.buffer("rstd", Extent.TOKENS, 1), 3));
      return out;
    }));
    for (boolean residual : new boolean[] {false, true}) {
      cases.add(new Case("layer norm, residual " + residual, t -> {
        Value x = input(t, "x", 5);
        Value r = residual ? input(t, "r", 5) : null;
        Parameter g = t.parameter("g", "g", 5);
        Parameter b = t.parameter("b", "b", 5);
        Value out = t.buffer("out", Extent.TOKENS, 5);
        t.record(new LayerNorm(x, r, g, b, 1e-5f, t.next(x), out, t.buffer("mean", Extent.TOKENS, 1),
            t.buffer("rstd", Extent.TOKENS, 1), 5));
        return out;
      }));
    }
    for (boolean residual : new boolean[] {false, true}) {
      for (boolean scaled : new boolean[] {false, true}) {
        cases.add(new Case("rms norm, residual " + residual + ", gamma " + scaled, t -> {
          Value x = input(t, "x", 5);
          Value r = residual ? input(t, "r", 5) : null;
          Parameter g = scaled ? t.parameter("g", "g", 5) : null;
          Value out = t.buffer("out", Extent.TOKENS, 5);
          t.record(new RmsNorm(x, r, g, 1e-5f, t.next(x), out, t.buffer("rstd", Extent.TOKENS, 1),
              5));
          return out;
        }));
      }
    }
    cases.add(new Case("rotary, in place on q", t -> {
      Value x = input(t, "x", 8);
      Value turned = t.next(x);
      t.record(new Rotary(x, turned, 2, 4));
      Parameter w = t.parameter("w", "w", 3, 8);
      Value out = t.buffer("out", Extent.TOKENS, 3);
      t.record(new Linear(turned, false, w, null, null, null, out, 8, 3));
      return out;
    }));
    cases.add(new Case("pre-norm block: the norm's sum is the residual stream", t -> {
      Value x = input(t, "x", 4);
      Parameter g1 = t.parameter("g1", "g1", 4);
      Parameter b1 = t.parameter("b1", "b1", 4);
      Value h1 = t.next(x);
      Value n1 = t.buffer("n1", Extent.TOKENS, 4);
      t.record(new LayerNorm(x, null, g1, b1, 1e-5f, h1, n1, t.buffer("mean1", Extent.TOKENS, 1),
          t.buffer("rstd1", Extent.TOKENS, 1), 4));
      Parameter w1 = t.parameter("w1", "w1", 4, 4);
      Value a = t.buffer("a", Extent.TOKENS, 4);
      t.record(new Linear(n1, false, w1, null, Activation.TANH, t.buffer("aPre", Extent.TOKENS, 4), a,
          4, 4));
      Parameter g2 = t.parameter("g2", "g2", 4);
      Value h2 = t.next(a);
      Value n2 = t.buffer("n2", Extent.TOKENS, 4);
      t.record(new RmsNorm(a, h1, g2, 1e-5f, h2, n2, t.buffer("rstd2", Extent.TOKENS, 1), 4));
      Parameter w2 = t.parameter("w2", "w2", 4, 4);
      Value m = t.buffer("m", Extent.TOKENS, 4);
      t.record(new Linear(n2, false, w2, null, Activation.GELU, t.buffer("mPre", Extent.TOKENS, 4), m,
          4, 4));
      Value out = t.next(m);
      t.record(new Add(m, h2, out));
      return out;
    }));
    cases.add(new Case("sigmoid cross-entropy on one logit per row", t -> {
      Value x = input(t, "x", 4);
      Parameter w = t.parameter("w", "w", 1, 4);
      Parameter b = t.parameter("b", "b", 1);
      Value out = t.buffer("out", Extent.TOKENS, 1);
      t.record(new Linear(x, false, w, b, null, null, out, 4, 1));
      return out;
    }));
    for (Mask mask : Mask.values()) {
      for (float dropout : new float[] {0f, 0.3f}) {
        cases.add(new Case("attention " + mask + " dropout " + dropout, t -> {
          Value q = input(t, "q", 4);
          Value k = input(t, "k", 4);
          Value v = input(t, "v", 6);
          Value probs = t.buffer("probs", Extent.PAIRS, 2);
          Value ctx = t.buffer("ctx", Extent.TOKENS, 6);
          t.record(new Attention(new AttentionShape(2, 2, 3, 0.7f), mask, q, k, v, probs, ctx,
              dropout, dropout > 0 ? t.seedSite() : -1));
          return ctx;
        }));
      }
    }
    for (Normalization normalization : Normalization.values()) {
      for (Mask mask : Mask.values()) {
        cases.add(new Case("unfused attention " + normalization + " " + mask, t -> {
          AttentionShape shape = new AttentionShape(2, 2, 3, 0.7f);
          Value q = input(t, "q", 4);
          Value k = input(t, "k", 4);
          Value v = input(t, "v", 6);
          Value scores = t.buffer("scores", Extent.PAIRS, 2);
          t.record(new AttentionScores(shape, q, k, scores));
          Value probs = t.buffer("probs", Extent.PAIRS, 2);
          t.record(new AttentionNormalize(shape, mask, normalization, scores, probs));
          Value ctx = t.buffer("ctx", Extent.TOKENS, 6);
          t.record(new AttentionContext(shape, probs, v, ctx));
          return ctx;
        }));
      }
    }
    for (boolean bidirectional : new boolean[] {true, false}) {
      cases.add(new Case("T5 attention: relative position bias, "
          + (bidirectional ? "bidirectional over the token ids" : "causal over decoder keys"), t -> {
        AttentionShape shape = new AttentionShape(2, 2, 3, 1f);
        Value q = input(t, "q", 4);
        Value k = input(t, "k", 4);
        Value v = input(t, "v", 6);
        Parameter table = t.parameter("table", "table", 32, 2);
        Value scores = t.buffer("scores", Extent.PAIRS, 2);
        t.record(new AttentionScores(shape, q, k, scores));
        Value biased = t.next(scores);
        t.record(new RelativePositionBias(shape, table, 32, 128, bidirectional, scores, biased));
        Value probs = t.buffer("probs", Extent.PAIRS, 2);
        t.record(new AttentionNormalize(shape, bidirectional ? Mask.NONE : Mask.LM,
            Normalization.SOFTMAX, bidirectional ? "tokenIds" : "decoderKeyIds", biased, probs));
        Value ctx = t.buffer("ctx", Extent.TOKENS, 6);
        t.record(new AttentionContext(shape, probs, v, ctx));
        return ctx;
      }));
    }
    cases.add(new Case("gated product, then scaled", t -> {
      Value a = input(t, "a", 4);
      Value b = input(t, "b", 4);
      Value product = t.buffer("product", Extent.TOKENS, 4);
      t.record(new Multiply(a, b, product, 4));
      Value scaled = t.buffer("scaled", Extent.TOKENS, 4);
      t.record(new Scale(product, 0.35f, scaled, 4));
      return scaled;
    }));
    cases.add(new Case("unfused attention: relative positions, talking heads, dropout", t -> {
      AttentionShape shape = new AttentionShape(2, 2, 3, 0.7f);
      Value q = input(t, "q", 4);
      Value k = input(t, "k", 4);
      Value v = input(t, "v", 6);
      Value scores = t.buffer("scores", Extent.PAIRS, 2);
      t.record(new AttentionScores(shape, q, k, scores));
      Value relative = t.next(scores);
      t.record(new RelativeScores(shape, q, 1, scores, relative));
      Parameter pre = t.parameter("pre", "pre", 2, 2);
      Value mixed = t.buffer("mixed", Extent.PAIRS, 2);
      t.record(new MixHeads(shape, relative, pre, mixed));
      Value probs = t.buffer("probs", Extent.PAIRS, 2);
      t.record(new AttentionNormalize(shape, Mask.UNILM, Normalization.SOFTMAX, mixed, probs));
      Parameter post = t.parameter("post", "post", 2, 2);
      Value mixedProbs = t.buffer("mixedProbs", Extent.PAIRS, 2);
      t.record(new MixHeads(shape, probs, post, mixedProbs));
      Value dropped = t.buffer("dropped", Extent.PAIRS, 2);
      t.record(new ProbsDropout(mixedProbs, dropped, 0.3f, t.seedSite()));
      Value ctx = t.buffer("ctx", Extent.TOKENS, 6);
      t.record(new AttentionContext(shape, dropped, v, ctx));
      Value out = t.next(ctx);
      t.record(new RelativeContext(shape, dropped, 1, ctx, out));
      return out;
    }));
    for (boolean residual : new boolean[] {false, true}) {
      cases.add(new Case("conditional layer norm, residual " + residual, t -> {
        Value x = input(t, "x", 5);
        Value r = residual ? input(t, "r", 5) : null;
        Value source = input(t, "source", 3);
        Parameter project = t.parameter("project", "project", 3, 3);
        Value condition = t.buffer("condition", Extent.SEQUENCES, 3);
        t.record(new Linear(source, true, project, null, null, null, condition, 3, 3));
        Parameter g = t.parameter("g", "g", 5);
        Parameter gDense = t.parameter("gDense", "gDense", 5, 3);
        Value gammas = t.buffer("gammas", Extent.SEQUENCES, 5);
        t.record(new Linear(condition, false, gDense, g, null, null, gammas, 3, 5));
        Parameter b = t.parameter("b", "b", 5);
        Parameter bDense = t.parameter("bDense", "bDense", 5, 3);
        Value betas = t.buffer("betas", Extent.SEQUENCES, 5);
        t.record(new Linear(condition, false, bDense, b, null, null, betas, 3, 5));
        Value out = t.buffer("out", Extent.TOKENS, 5);
        t.record(new ConditionalLayerNorm(x, r, gammas, betas, 1e-5f, t.next(x), out,
            t.buffer("mean", Extent.TOKENS, 1), t.buffer("rstd", Extent.TOKENS, 1), 5));
        return out;
      }));
    }
    cases.add(new Case("hierarchical positions past the table's rows", t -> {
      Value x = input(t, "x", 4);
      Parameter table = t.parameter("positions", "positions", 2, 4);
      Value out = t.next(x);
      t.record(new HierarchicalPositions(table, 2, 4, 0.4f, x, out));
      return out;
    }));
    for (boolean crf : new boolean[] {true, false}) {
      cases.add(new Case((crf ? "CRF" : "MEMM") + " loss on a dense layer's emissions", 3, t -> {
        Value x = input(t, "x", 4);
        Parameter w = t.parameter("w", "w", 3, 4);
        Parameter b = t.parameter("b", "b", 3);
        Value emissions = t.buffer("emissions", Extent.TOKENS, 3);
        t.record(new Linear(x, false, w, b, null, null, emissions, 4, 3));
        Parameter transitions = t.parameter("transitions", "transitions", 3, 3);
        Value d = t.buffer("emissionsGrad", Extent.TOKENS, 3);
        t.record(crf ? new CrfLoss(emissions, transitions, 0, 3, d)
            : new MemmLoss(emissions, transitions, 0, 3, d));
        return null;
      }));
    }
    for (boolean efficient : new boolean[] {false, true}) {
      for (boolean tril : new boolean[] {false, true}) {
        cases.add(new Case((efficient ? "EfficientGlobalPointer" : "GlobalPointer")
            + " span loss, " + (tril ? "" : "no ") + "tril", 0,
            new int[] {0, 0, 0, 1, 0, 1, 1, 1, 1, 0, 1, 2}, t -> {
              int types = 2;
              int size = 2;
              int heads = efficient ? 1 : types;
              Value x = input(t, "x", 4);
              Parameter wq = t.parameter("wq", "wq", heads * size, 4);
              Parameter wk = t.parameter("wk", "wk", heads * size, 4);
              Value q = t.buffer("q", Extent.TOKENS, heads * size);
              Value k = t.buffer("k", Extent.TOKENS, heads * size);
              t.record(new Linear(x, false, wq, null, null, null, q, 4, heads * size));
              t.record(new Linear(x, false, wk, null, null, null, k, 4, heads * size));
              Value bias = null;
              if (efficient) {
                Parameter wb = t.parameter("wb", "wb", 2 * types, heads * size);
                Parameter bb = t.parameter("bb", "bb", 2 * types);
                bias = t.buffer("bias", Extent.TOKENS, 2 * types);
                t.record(new Linear(q, false, wb, bb, null, null, bias, heads * size, 2 * types));
              }
              Value qTurned = t.buffer("qTurned", Extent.TOKENS, heads * size);
              t.record(new Linear(x, false, wq, null, null, null, qTurned, 4, heads * size));
              Value qRotated = t.next(qTurned);
              t.record(new Rotary(qTurned, qRotated, heads, size));
              Value kTurned = t.next(k);
              t.record(new Rotary(k, kTurned, heads, size));
              Value logits = t.buffer("logits", Extent.PAIRS, heads);
              t.record(new AttentionScores(new AttentionShape(heads, size, size, 0.7f), qRotated,
                  kTurned, logits));
              Value scores = efficient ? t.buffer("scores", Extent.PAIRS, types) : t.next(logits);
              t.record(new SpanMask(logits, bias, scores, types, tril));
              t.record(new SpanLoss(scores, 0, types, t.buffer("dScores", Extent.PAIRS, types)));
              return null;
            }));
      }
    }
    cases.add(new Case("dropout, in place", t -> {
      Value x = input(t, "x", 4);
      Value out = t.next(x);
      t.record(new Dropout(x, out, 0.4f, t.seedSite()));
      return out;
    }));
    cases.add(new Case("embedding, accumulated onto", t -> {
      Value x = input(t, "x", 4);
      Parameter table = t.parameter("extra", "extra", 10, 4);
      Value out = t.next(x);
      t.record(new Embedding("tokenIds", table, 4, x, out));
      return out;
    }));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void derivedGradientsMatchFiniteDifferences(Case c) throws Exception {
    Tape tape = new Tape();
    Value out = c.build().apply(tape);
    if (out != null) {
      Value dOut = tape.buffer("outGrad", out.buffer().extent(), out.buffer().width());
      if (out.buffer().width() == 1) {
        tape.record(new SigmoidCrossEntropy(out, 0, dOut));
      } else {
        tape.record(new SoftmaxCrossEntropy(out, 0, out.buffer().width(), dOut));
      }
    }
    Gradients.Result backward = Gradients.derive(tape);
    List<Call> forward = tape.entries().stream()
        .map(e -> new Call(e.op(), null, e.layer(), true, -1)).toList();

    Run run = out == null ? new Run(tape, ROWS, c.tagPaths(), false, c.spans())
        : new Run(tape, out.buffer().extent() == Extent.SEQUENCES ? BATCH : ROWS,
            out.buffer().width(), true, null);
    run.execute(forward);
    run.execute(backward.calls());
    double[] analytic = run.kernels.doubles(run.grads, run.parameterCount);
    double[] params = run.kernels.doubles(run.params, run.parameterCount);
    double worst = 0;
    double step = 1e-5;
    for (int i = 0; i < params.length; i++) {
      double keep = params[i];
      params[i] = keep + step;
      run.kernels.setDoubles(run.params, params);
      double plus = run.execute(forward);
      params[i] = keep - step;
      run.kernels.setDoubles(run.params, params);
      double minus = run.execute(forward);
      params[i] = keep;
      double numeric = (plus - minus) / (2 * step);
      double error = Math.abs(numeric - analytic[i]) / Math.max(1e-3, Math.abs(numeric));
      worst = Math.max(worst, error);
    }
    assertTrue(worst < 1e-6, c + ": worst relative error " + worst + " over " + params.length
        + " parameters");
    assertTrue(Arrays.stream(analytic).anyMatch(g -> g != 0), c + ": some gradient is non-zero");
  }

  /** Executes plan calls on {@link DoubleKernels}, one memory per buffer, returning the loss. */
  private static final class Run {
    final DoubleKernels kernels = new DoubleKernels();
    final Map<Buffer, Slice> buffers = new HashMap<>();
    final Slice params;
    final Slice grads;
    final int parameterCount;
    final Map<String, int[]> hosts = new HashMap<>();
    final int[] targets;

    /**
     * Targets of {@code lossRows} rows in [0, classes), row 1 −1 (not counted) if {@code skipOne};
     * or {@code spans} when given.
     */
    Run(Tape tape, int lossRows, int classes, boolean skipOne, int[] spans) {
      parameterCount = (int) tape.parameters().stream().mapToLong(Parameter::size).sum();
      params = new Slice(kernels.allocate(parameterCount), 0);
      grads = new Slice(kernels.allocate(parameterCount), 0);
      Random random = new Random(7);
      double[] values = new double[parameterCount];
      for (int i = 0; i < values.length; i++) {
        values[i] = random.nextGaussian();
      }
      kernels.setDoubles(params, values);
      int[] identity = new int[ROWS];
      Arrays.setAll(identity, i -> i);
      hosts.put("inputIds", identity);
      hosts.put("tokenIds", TOKENS);
      int[] ones = new int[ROWS];
      Arrays.fill(ones, 1);
      hosts.put("decoderKeyIds", ones);
      hosts.put("segmentIds", SEGMENTS);
      targets = spans != null ? spans : new int[lossRows];
      for (int r = 0; spans == null && r < lossRows; r++) {
        targets[r] = skipOne && r == 1 ? -1 : random.nextInt(Math.max(2, classes));
      }
      this.parameterOffsets = new HashMap<>();
      for (Parameter p : tape.parameters()) {
        parameterOffsets.put(p, p.offset());
      }
    }

    final Map<Parameter, Long> parameterOffsets;

    double execute(List<Call> calls) throws Exception {
      double loss = 0;
      for (Call call : calls) {
        Method method = kernelMethod(call.op());
        Object[] args = new Object[call.args().size()];
        for (int i = 0; i < args.length; i++) {
          args[i] = value(call.args().get(i), method.getParameterTypes()[i]);
        }
        Object result = method.invoke(kernels, args);
        if (call.op() instanceof LossOp) {
          loss += (Double) result;
        }
      }
      return loss;
    }

    private static Method kernelMethod(KernelOp op) {
      List<Method> named = Arrays.stream(Kernels.class.getMethods())
          .filter(m -> m.getName().equals(op.kernel())).toList();
      if (named.size() != 1) {
        throw new AssertionError(op.kernel() + " names " + named.size() + " Kernels methods");
      }
      Method m = named.get(0);
      if (m.getParameterCount() != op.args().size()) {
        throw new AssertionError(op.kernel() + " takes " + m.getParameterCount() + " arguments, the op "
            + "passes " + op.args().size());
      }
      return m;
    }

    private Object value(Arg arg, Class<?> type) {
      Object v;
      if (arg instanceof Arg.Buf b) {
        v = buffers.computeIfAbsent(b.buffer(), this::allocate);
      } else if (arg instanceof Arg.Param p) {
        v = params.plus(p.parameter().offset());
      } else if (arg instanceof Arg.Grad g) {
        v = grads.plus(g.parameter().offset());
      } else if (arg instanceof Arg.Dim d) {
        v = (int) (d.factor() * units(d.extent()));
      } else if (arg instanceof Arg.IntConst i) {
        v = i.value();
      } else if (arg instanceof Arg.FloatConst f) {
        v = f.value();
      } else if (arg instanceof Arg.BoolConst b) {
        v = b.value();
      } else if (arg instanceof Arg.EnumConst e) {
        v = e.value();
      } else if (arg instanceof Arg.None) {
        v = null;
      } else if (arg instanceof Arg.Host h) {
        v = hosts.get(h.name());
      } else if (arg instanceof Arg.Targets) {
        v = targets;
      } else if (arg instanceof Arg.LossScale) {
        v = 1f;
      } else if (arg instanceof Arg.Seed s) {
        v = s.site() < 0 ? 0L : 1234L + s.site();
      } else if (arg instanceof Arg.TrainingRate r) {
        v = r.rate();
      } else if (arg instanceof Arg.Batch) {
        v = BATCH;
      } else if (arg instanceof Arg.SeqLength) {
        v = SEQ;
      } else if (arg instanceof Arg.ClsStride c) {
        v = SEQ * c.width();
      } else if (arg instanceof Arg.Shape s) {
        v = new bert4j.runtime.kernels.AttentionShape(BATCH, SEQ, s.heads(), s.keySize(),
            s.headSize(), s.scale());
      } else {
        throw new AssertionError("no value for " + arg);
      }
      if (v == null && type.isPrimitive() || v != null && !box(type).isInstance(v)
          && !(v instanceof Integer && type == long.class)) {
        throw new AssertionError(arg + " cannot be passed as " + type);
      }
      return v;
    }

    private Slice allocate(Buffer b) {
      return new Slice(kernels.allocate(units(b.extent()) * b.width()), 0);
    }

    private static long units(Extent extent) {
      return switch (extent) {
        case TOKENS -> ROWS;
        case SEQUENCES -> BATCH;
        case PAIRS -> (long) ROWS * SEQ;
      };
    }

    private static Class<?> box(Class<?> type) {
      return type == int.class ? Integer.class : type == long.class ? Long.class
          : type == float.class ? Float.class : type == boolean.class ? Boolean.class
          : type == double.class ? Double.class : type;
    }
  }
}
