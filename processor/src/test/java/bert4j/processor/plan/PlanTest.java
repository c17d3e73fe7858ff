package bert4j.processor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;
import bert4j.dsl.Mask;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.spec.OptimizerSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The plan of a spec, checked without a compiler against quantities the test computes on its own: the
 * parameter count (closed-form BERT formula, and bert-base-chinese's well-known count), the forward
 * FLOPs, arena placement by liveness recomputed from the calls, and the shape of the backward.
 */
class PlanTest {

  /** A spec built field by field; defaults are a small BERT with every head and no dropout. */
  private static final class Spec {
    int layers = 2;
    int hidden = 16;
    int heads = 4;
    int intermediate = 32;
    int vocab = 30;
    int maxPosition = 16;
    int segments = 2;
    Mask mask = Mask.NONE;
    double hiddenDropout;
    double attentionDropout;
    int keySize; // 0: hidden / heads, as SpecReader fills it
    boolean pooler = true;
    boolean mlm = true;
    int classes = 3;

    Spec layers(int v) { layers = v; return this; }
    Spec hidden(int v) { hidden = v; return this; }
    Spec heads(int v) { heads = v; return this; }
    Spec intermediate(int v) { intermediate = v; return this; }
    Spec vocab(int v) { vocab = v; return this; }
    Spec maxPosition(int v) { maxPosition = v; return this; }
    Spec segments(int v) { segments = v; return this; }
    Spec mask(Mask v) { mask = v; return this; }
    Spec dropout(double hidden, double attention) {
      hiddenDropout = hidden;
      attentionDropout = attention;
      return this;
    }
    Spec keySize(int v) { keySize = v; return this; }
    Spec heads(boolean pooler, boolean mlm, int classes) {
      this.pooler = pooler;
      this.mlm = mlm;
      this.classes = classes;
      return this;
    }

    int effectiveKeySize() {
      return keySize > 0 ? keySize : hidden / heads;
    }

    ModelSpec build() {
      return new ModelSpec("test", "Spec", Architecture.BERT, layers, hidden, heads, intermediate,
          vocab, maxPosition, segments, Activation.GELU, hiddenDropout, 1e-12, 0.02, mask,
          attentionDropout, effectiveKeySize(), true, pooler, mlm, classes,
          OptimizerSpec.defaults());
    }

    Plan plan() {
      return BertPlanner.plan(build());
    }

    @Override
    public String toString() {
      return "L" + layers + " H" + hidden + " A" + heads + " I" + intermediate + " V" + vocab
          + " P" + maxPosition + " S" + segments + " " + mask + " dropout " + hiddenDropout + "/"
          + attentionDropout + " keySize " + effectiveKeySize() + " pooler " + pooler + " mlm "
          + mlm + " classes " + classes;
    }
  }

  private static Spec spec() {
    return new Spec();
  }

  static Stream<Spec> specs() {
    return Stream.of(
        spec(),
        spec().layers(1).hidden(8).heads(2).intermediate(16).vocab(10).heads(false, false, 2),
        spec().mask(Mask.UNILM).dropout(0.1, 0.1),
        spec().mask(Mask.LM).heads(false, true, 0).dropout(0.1, 0),
        spec().keySize(2).heads(true, false, 5).dropout(0, 0.1),
        spec().layers(3).segments(1).heads(false, false, 0),
        spec().layers(4).hidden(24).heads(6).intermediate(96).vocab(50).maxPosition(32)
            .dropout(0.1, 0.1));
  }

  /** The BERT parameter count, written from the architecture, not from the planner. */
  private static long bertParameters(Spec s) {
    long h = s.hidden;
    long qk = (long) s.heads * s.effectiveKeySize();
    long v = h; // heads × (hidden / heads)
    long embeddings = (s.vocab + s.maxPosition + s.segments) * h + 2 * h;
    long attention = (h * qk + qk) * 2 + (h * v + v) + (v * h + h) + 2 * h;
    long feedForward = (h * s.intermediate + s.intermediate) + (s.intermediate * h + h) + 2 * h;
    long pooler = s.pooler ? h * h + h : 0;
    long mlm = s.mlm ? (h * h + h) + 2 * h + s.vocab : 0; // decoder weight tied to the embedding
    long classifier = s.classes > 0 ? h * s.classes + s.classes : 0;
    return embeddings + s.layers * (attention + feedForward) + pooler + mlm + classifier;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void parameterCountIsTheBertFormula(Spec s) {
    assertEquals(bertParameters(s), s.plan().parameterCount());
  }

  @Test
  void bertBaseChineseHasItsWellKnownParameterCount() {
    Spec base = spec().layers(12).hidden(768).heads(12).intermediate(3072).vocab(21128)
        .maxPosition(512).segments(2);
    // Hugging Face's BertModel for bert-base-chinese (embeddings, 12 blocks, pooler): 102,267,648.
    Plan withPooler = base.heads(true, false, 0).plan();
    assertEquals(102_267_648L, withPooler.parameterCount());
    assertEquals(bertParameters(base), withPooler.parameterCount());
    // The MLM head adds its transform (dense + layer norm) and an output bias; the decoder is tied.
    Plan withMlm = base.heads(true, true, 0).plan();
    assertEquals(102_267_648L + (768L * 768 + 768) + 2 * 768 + 21128, withMlm.parameterCount());
    assertEquals(bertParameters(base), withMlm.parameterCount());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void parametersTileTheFlatBuffer(Spec s) {
    Plan plan = s.plan();
    long offset = 0;
    Set<String> names = new HashSet<>();
    Set<String> fields = new HashSet<>();
    for (Parameter p : plan.parameters()) {
      assertEquals(offset, p.offset(), p.name() + " starts where the previous parameter ends");
      assertTrue(names.add(p.name()), "duplicate parameter " + p.name());
      assertTrue(fields.add(p.field()), "duplicate field " + p.field());
      offset += p.size();
    }
    assertEquals(plan.parameterCount(), offset);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void flopsPerTokenIsTwicePerMultiplyAdd(Spec s) {
    Plan plan = s.plan();
    for (int seq : new int[] {1, 7, s.maxPosition}) {
      long h = s.hidden;
      long qk = (long) s.heads * s.effectiveKeySize();
      long v = h;
      long i = s.intermediate;
      // Multiply-adds per token of each matmul of one block: the projections, the attention scores
      // (one query against seq keys) and the weighted sum of seq values, the feed-forward.
      long block = h * qk + h * qk + h * v + v * h + seq * qk + seq * v + h * i + i * h;
      long mlm = s.mlm ? h * h + h * s.vocab : 0;
      long expected = 2 * (s.layers * block + mlm);
      assertEquals(expected, plan.flopsPerToken(seq), "seq " + seq);
    }
  }

  @Test
  void bertBaseForwardFlopsAtLength128() {
    Plan plan = spec().layers(12).hidden(768).heads(12).intermediate(3072).vocab(21128)
        .maxPosition(512).heads(true, false, 0).plan();
    // 2 × the 12 blocks' matmul weights (84,934,656) + 2 × 12 × 128 × 2 × 768 for attention.
    assertEquals(2L * 12 * (4 * 768 * 768 + 2 * 768 * 3072) + 2L * 12 * 128 * 2 * 768,
        plan.flopsPerToken(128));
  }

  /** Each buffer's [first, last] call index over forward then backward; outputs live to the forward's end. */
  private static Map<String, int[]> lives(Plan plan) {
    List<Call> all = new ArrayList<>(plan.forward());
    all.addAll(plan.backward());
    Map<String, int[]> lives = new LinkedHashMap<>();
    for (int i = 0; i < all.size(); i++) {
      for (Arg arg : all.get(i).args()) {
        if (arg instanceof Arg.Buf b) {
          int step = i;
          lives.computeIfAbsent(b.buffer().name(), n -> new int[] {step, step})[1] = i;
        }
      }
    }
    Plan.OutputBuffers o = plan.outputs();
    for (Buffer out : new Buffer[] {o.sequence(), o.pooled(), o.mlmLogits(), o.classLogits()}) {
      if (out != null) {
        int[] life = lives.get(out.name());
        assertNotNull(life, "output " + out.name() + " is written by some call");
        life[1] = Math.max(life[1], plan.forward().size() - 1);
      }
    }
    return lives;
  }

  private static int regionWidth(Plan plan, Extent extent) {
    return switch (extent) {
      case TOKENS -> plan.tokenWidth();
      case SEQUENCES -> plan.sequenceWidth();
      case PAIRS -> plan.pairWidth();
    };
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void liveBuffersNeverShareColumns(Spec s) {
    Plan plan = s.plan();
    Map<String, int[]> lives = lives(plan);
    Map<String, Buffer> placed = new HashMap<>();
    for (Buffer b : plan.buffers()) {
      assertTrue(placed.put(b.name(), b) == null, "buffer " + b.name() + " placed twice");
      assertTrue(b.column() >= 0, b.name() + " has a column");
      assertTrue(b.column() + b.width() <= regionWidth(plan, b.extent()),
          b.name() + " fits in its region");
      assertTrue(lives.containsKey(b.name()), b.name() + " is used by some call");
    }
    assertEquals(lives.keySet(), placed.keySet(), "every buffer a call uses is placed");
    List<Buffer> buffers = plan.buffers();
    for (int i = 0; i < buffers.size(); i++) {
      for (int j = i + 1; j < buffers.size(); j++) {
        Buffer a = buffers.get(i);
        Buffer b = buffers.get(j);
        if (a.extent() != b.extent()) {
          continue;
        }
        int[] la = lives.get(a.name());
        int[] lb = lives.get(b.name());
        boolean together = la[0] <= lb[1] && lb[0] <= la[1];
        boolean overlap = a.column() < b.column() + b.width() && b.column() < a.column() + a.width();
        if (together && overlap) {
          fail(a.name() + " [" + a.column() + ", " + (a.column() + a.width()) + ") live " + la[0]
              + ".." + la[1] + " overlaps " + b.name() + " [" + b.column() + ", "
              + (b.column() + b.width()) + ") live " + lb[0] + ".." + lb[1]);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void regionWidthIsTheHighestColumnUsed(Spec s) {
    Plan plan = s.plan();
    for (Extent e : Extent.values()) {
      int top = plan.buffers().stream().filter(b -> b.extent() == e)
          .mapToInt(b -> b.column() + b.width()).max().orElse(0);
      assertEquals(top, regionWidth(plan, e), e + " region");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void arenaReusesColumns(Spec s) {
    Plan plan = s.plan();
    int tokenSum = plan.buffers().stream().filter(b -> b.extent() == Extent.TOKENS)
        .mapToInt(Buffer::width).sum();
    assertTrue(plan.tokenWidth() < tokenSum,
        "token region " + plan.tokenWidth() + " < sum of token buffers " + tokenSum);
    long unshared = 0;
    int batch = 4;
    int seq = s.maxPosition;
    for (Buffer b : plan.buffers()) {
      long units = switch (b.extent()) {
        case TOKENS -> (long) batch * seq;
        case SEQUENCES -> batch;
        case PAIRS -> (long) batch * seq * seq;
      };
      unshared += 4L * b.width() * units;
    }
    assertTrue(plan.arenaBytes(batch, seq) < unshared,
        "arena " + plan.arenaBytes(batch, seq) + " bytes < " + unshared + " without reuse");
  }

  @Test
  void deeperModelsReuseMoreOfTheTokenRegion() {
    // The backward of a block needs its own activations only, so the gradients of layer l reuse the
    // columns of layer l + 1's activations: the region grows slower than the buffers.
    Plan one = spec().layers(1).plan();
    Plan four = spec().layers(4).plan();
    int sumOne = one.buffers().stream().filter(b -> b.extent() == Extent.TOKENS)
        .mapToInt(Buffer::width).sum();
    int sumFour = four.buffers().stream().filter(b -> b.extent() == Extent.TOKENS)
        .mapToInt(Buffer::width).sum();
    assertTrue((double) four.tokenWidth() / sumFour < (double) one.tokenWidth() / sumOne,
        "reuse ratio: 1 layer " + one.tokenWidth() + "/" + sumOne + ", 4 layers "
            + four.tokenWidth() + "/" + sumFour);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void backwardCallsAreBackwardKernels(Spec s) {
    for (Call call : s.plan().backward()) {
      assertTrue(call.kernel().endsWith("Backward") || call.kernel().equals("fill"),
          "backward calls " + call.kernel());
      assertEquals(null, call.lossScale(), "no loss in the backward");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void backwardWalksTheLayersInReverse(Spec s) {
    Plan plan = s.plan();
    if (plan.backward().isEmpty()) {
      return;
    }
    // Rank each call by the parameter whose gradient it writes: heads (layers), layer l (l),
    // embeddings (-1), except the tied MLM decoder, a linear whose weight is the word embedding,
    // which belongs to the heads. Ranks never increase along the backward.
    int previous = Integer.MAX_VALUE;
    List<Integer> ranks = new ArrayList<>();
    for (Call call : plan.backward()) {
      for (Arg arg : call.args()) {
        if (arg instanceof Arg.Grad g) {
          String name = g.parameter().name();
          int rank = name.startsWith("encoder.layer.")
              ? Integer.parseInt(name.split("\\.")[2])
              : name.startsWith("embeddings.") && !call.kernel().equals("linearBackward") ? -1
              : s.layers;
          ranks.add(rank);
          assertTrue(rank <= previous, "backward ranks " + ranks);
          previous = rank;
        }
      }
    }
    assertEquals(-1, previous, "the backward ends in the embeddings");
  }

  @Test
  void everyParameterThatReachesALossGetsAGradient() {
    Plan plan = spec().heads(true, true, 3).dropout(0.1, 0.1).plan();
    Set<String> withGradient = new HashSet<>();
    for (Call call : plan.backward()) {
      for (Arg arg : call.args()) {
        if (arg instanceof Arg.Grad g) {
          withGradient.add(g.parameter().name());
        }
      }
    }
    for (Parameter p : plan.parameters()) {
      assertTrue(withGradient.contains(p.name()), p.name() + " has a gradient");
    }
  }

  @Test
  void poolerWithoutClassifierGetsNoGradient() {
    Plan plan = spec().heads(true, true, 0).plan();
    for (Call call : plan.backward()) {
      for (Arg arg : call.args()) {
        if (arg instanceof Arg.Grad g) {
          assertFalse(g.parameter().name().startsWith("pooler."),
              "the pooler reaches no loss, yet " + call.kernel() + " writes its gradient");
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void lossCallsMatchTheHeads(Spec s) {
    Plan plan = s.plan();
    List<String> scales = plan.forward().stream().map(Call::lossScale)
        .filter(x -> x != null).toList();
    List<String> expected = new ArrayList<>();
    if (s.mlm) {
      expected.add("mlmLossScale");
    }
    if (s.classes > 0) {
      expected.add("classLossScale");
    }
    assertEquals(expected, scales);
    for (Call call : plan.forward()) {
      if (call.lossScale() != null) {
        assertTrue(call.trainingOnly(), "a loss is computed in training only");
        assertEquals("softmaxCrossEntropy", call.kernel());
      }
    }
    assertEquals(expected.isEmpty(), plan.backward().isEmpty(),
        "a model trains exactly when it has a loss");
  }

  @Test
  void noHeadsMeansNoLossAndNoBackward() {
    Plan plan = spec().heads(false, false, 0).dropout(0.1, 0.1).plan();
    assertFalse(plan.forward().isEmpty());
    for (Call call : plan.forward()) {
      assertEquals(null, call.lossScale(), call.kernel() + " computes no loss");
      assertNotEquals("softmaxCrossEntropy", call.kernel());
    }
    assertTrue(plan.backward().isEmpty(), "no backward without a loss");
    assertEquals(null, plan.outputs().mlmLogits());
    assertEquals(null, plan.outputs().classLogits());
    assertEquals(null, plan.outputs().pooled());
  }

  @Test
  void dropoutCallsRunInTrainingOnlyAndEachHasItsOwnSeed() {
    Spec s = spec().dropout(0.1, 0.1);
    Plan plan = s.plan();
    Set<Integer> sites = new HashSet<>();
    int dropouts = 0;
    for (Call call : plan.forward()) {
      if (call.kernel().equals("dropout")) {
        dropouts++;
        assertTrue(call.trainingOnly());
      }
      for (Arg arg : call.args()) {
        if (arg instanceof Arg.Seed seed && seed.site() >= 0) {
          assertTrue(sites.add(seed.site()), "seed site " + seed.site() + " used twice");
        }
      }
    }
    // Embeddings, then per block: attention output and feed-forward output.
    assertEquals(1 + 2 * s.layers, dropouts);
    // Plus one attention-probability dropout per block.
    assertEquals(1 + 3 * s.layers, sites.size());
  }
}
