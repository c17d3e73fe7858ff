package bert4j.processor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;
import bert4j.dsl.Convention;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.dsl.Objective;
import bert4j.dsl.Position;
import bert4j.processor.heads.HeadOutput;
import bert4j.processor.heads.Loss;
import bert4j.processor.heads.LossKind;
import bert4j.processor.ops.Linear;
import bert4j.processor.ops.LinearBackward;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.spec.OptimizerSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The plan of a spec, checked without a compiler against quantities the test computes on its own: the
 * parameter count (closed-form BERT formula, and bert-base-chinese's well-known count), the forward
 * FLOPs, arena placement by def–use liveness recomputed from the training step's timeline, the losses
 * and outputs of the heads, and the shape of the backward (recompute's replayed forward included).
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
    int tokenClasses;
    int crf;
    int memm;
    boolean recompute;

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
    Spec tokenClasses(int v) { tokenClasses = v; return this; }
    Spec crf(int v) { crf = v; return this; }
    Spec memm(int v) { memm = v; return this; }
    Spec recompute(boolean v) { recompute = v; return this; }

    int effectiveKeySize() {
      return keySize > 0 ? keySize : hidden / heads;
    }

    /** The objective SpecReader resolves from the mask (BY_MASK); any one without the MLM head. */
    Objective objective() {
      return switch (mask) {
        case NONE -> Objective.MASKED_LM;
        case LM -> Objective.NEXT_TOKEN;
        case UNILM -> Objective.NEXT_TARGET_TOKEN;
      };
    }

    ModelSpec build() {
      return new ModelSpec("test", "Spec", Architecture.BERT, layers, hidden, heads, intermediate,
          vocab, hidden, maxPosition, segments, 0, Position.LEARNED, Activation.GELU, hiddenDropout,
          1e-12, 0.02, recompute, mask, attentionDropout, effectiveKeySize(), true,
          Normalization.SOFTMAX, true, false, 64, pooler, mlm,
          objective(), classes, tokenClasses, false, crf, memm, List.of(), OptimizerSpec.defaults(),
          Convention.HUGGING_FACE);
    }

    Plan plan() {
      return Planner.plan(build());
    }

    @Override
    public String toString() {
      return "L" + layers + " H" + hidden + " A" + heads + " I" + intermediate + " V" + vocab
          + " P" + maxPosition + " S" + segments + " " + mask + " dropout " + hiddenDropout + "/"
          + attentionDropout + " keySize " + effectiveKeySize() + " pooler " + pooler + " mlm "
          + mlm + " classes " + classes + " tokenClasses " + tokenClasses
          + (recompute ? " recompute" : "");
    }
  }

  private static Spec spec() {
    return new Spec();
  }

  /** BERT-base's sizes (bert-base-chinese's vocabulary), heads left to the caller. */
  private static Spec bertBase() {
    return spec().layers(12).hidden(768).heads(12).intermediate(3072).vocab(21128)
        .maxPosition(512).segments(2);
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
            .dropout(0.1, 0.1),
        spec().heads(false, false, 0).tokenClasses(4),
        spec().mask(Mask.LM).heads(true, true, 2).tokenClasses(3).dropout(0.1, 0.1),
        spec().recompute(true),
        spec().layers(3).mask(Mask.UNILM).recompute(true).tokenClasses(2).dropout(0.1, 0.1),
        spec().layers(1).recompute(true).heads(false, false, 2).dropout(0.1, 0.1));
  }

  /**
   * A dense layer's backward writes its parameter gradients (no zeroing first) exactly where no other
   * call, forward or backward, touches them — counted here float by float — and the step zeroes
   * every other parameter float: the two together cover the parameters once. (The tied MLM decoder
   * shares the word embeddings' gradient with their lookup, so it adds.)
   */
  @ParameterizedTest
  @MethodSource("specs")
  void denseGradientsWrittenWholeExactlyWhereTheirBackwardIsTheOnlyContribution(Spec s) {
    Plan plan = s.plan();
    int count = (int) plan.parameterCount();
    int[] touches = new int[count];
    for (Call c : Stream.concat(plan.forward().stream(), plan.backward().stream()).toList()) {
      for (Arg a : c.args()) {
        if (a instanceof Arg.Grad g) {
          for (long i = g.parameter().offset(); i < g.parameter().offset() + g.parameter().size();
              i++) {
            touches[(int) i]++;
          }
        }
      }
    }
    boolean[] written = new boolean[count];
    int overwriting = 0;
    for (Call c : plan.backward()) {
      if (c.op() instanceof LinearBackward op) {
        boolean sole = true;
        for (Parameter p : Stream.of(op.weight(), op.bias()).filter(p -> p != null).toList()) {
          for (long i = p.offset(); i < p.offset() + p.size(); i++) {
            sole &= touches[(int) i] == 1;
          }
        }
        assertEquals(!sole, op.accumulateParams(), s + ": " + op.weight().name());
        if (!op.accumulateParams()) {
          overwriting++;
          for (Parameter p : Stream.of(op.weight(), op.bias()).filter(p -> p != null).toList()) {
            for (long i = p.offset(); i < p.offset() + p.size(); i++) {
              written[(int) i] = true;
            }
          }
        }
      }
    }
    if (!plan.backward().isEmpty()) {
      assertTrue(overwriting >= 4 * s.layers, s + ": every layer's four dense backwards write");
    }
    boolean[] zeroed = new boolean[count];
    long[] ranges = GradientZeroing.zeroedRanges(plan.parameters(), plan.backward());
    for (int r = 0; r < ranges.length; r += 2) {
      for (long i = ranges[r]; i < ranges[r] + ranges[r + 1]; i++) {
        assertFalse(zeroed[(int) i], s + ": float " + i + " zeroed twice");
        zeroed[(int) i] = true;
      }
    }
    for (int i = 0; i < count; i++) {
      assertTrue(zeroed[i] != written[i], s + ": float " + i + " zeroed " + zeroed[i]
          + ", written whole " + written[i]);
    }
    assertTrue(zeroed[0], s + ": the word embeddings' gradient (scattered rows) is zeroed");
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
    long tokenClassifier = s.tokenClasses > 0 ? h * s.tokenClasses + s.tokenClasses : 0;
    return embeddings + s.layers * (attention + feedForward) + pooler + mlm + classifier
        + tokenClassifier;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void parameterCountIsTheBertFormula(Spec s) {
    assertEquals(bertParameters(s), s.plan().parameterCount());
  }

  @Test
  void bertBaseChineseHasItsWellKnownParameterCount() {
    Spec base = bertBase();
    // Hugging Face's BertModel for bert-base-chinese (embeddings, 12 blocks, pooler): 102,267,648.
    Plan withPooler = base.heads(true, false, 0).plan();
    assertEquals(102_267_648L, withPooler.parameterCount());
    assertEquals(bertParameters(base), withPooler.parameterCount());
    // The MLM head adds its transform (dense + layer norm) and an output bias; the decoder is tied.
    Plan withMlm = base.heads(true, true, 0).plan();
    assertEquals(102_267_648L + (768L * 768 + 768) + 2 * 768 + 21128, withMlm.parameterCount());
    assertEquals(bertParameters(base), withMlm.parameterCount());
    // Recompute changes the schedule, not the model.
    assertEquals(withMlm.parameterCount(), base.recompute(true).plan().parameterCount());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void parametersTileTheFlatBuffer(Spec s) {
    Plan plan = s.plan();
    long offset = 0;
    Set<String> names = new HashSet<>();
    for (Parameter p : plan.parameters()) {
      assertEquals(offset, p.offset(), p.name() + " starts where the previous parameter ends");
      assertTrue(names.add(p.name()), "duplicate parameter " + p.name());
      offset += p.size();
    }
    assertEquals(plan.parameterCount(), offset);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void parameterFieldsAreUniquePerScope(Spec s) {
    // The model class holds the global slices, the Layer class one layer's: a field name may repeat
    // across layers (the same field of each Layer) but not within one scope, and each layer's
    // parameters are layer 0's, in the same order, shifted by one stride.
    Plan plan = s.plan();
    Map<Integer, List<Parameter>> byLayer = new LinkedHashMap<>();
    for (Parameter p : plan.parameters()) {
      byLayer.computeIfAbsent(p.layer(), l -> new ArrayList<>()).add(p);
    }
    for (Map.Entry<Integer, List<Parameter>> scope : byLayer.entrySet()) {
      Set<String> fields = new HashSet<>();
      for (Parameter p : scope.getValue()) {
        assertTrue(fields.add(p.field()), "duplicate field " + p.field() + " in scope " + scope.getKey());
        if (p.layer() >= 0) {
          assertEquals("encoder.layer." + p.layer() + "." + p.localName(), p.name());
        }
      }
    }
    List<Parameter> first = byLayer.get(0);
    assertNotNull(first, "layer 0 has parameters");
    long stride = s.layers > 1 ? byLayer.get(1).get(0).offset() - first.get(0).offset() : 0;
    for (int l = 1; l < s.layers; l++) {
      List<Parameter> own = byLayer.get(l);
      assertEquals(first.size(), own.size(), "layer " + l + "'s parameter count");
      for (int i = 0; i < own.size(); i++) {
        assertEquals(first.get(i).field(), own.get(i).field());
        assertEquals(first.get(i).offset() + l * stride, own.get(i).offset(),
            own.get(i).name() + "'s offset");
      }
    }
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
      // (one query against seq keys) and the weighted sum of seq values, the feed-forward. The heads
      // on every token (MLM, token classifier) count; those on [CLS] only (pooler, classifier) do not.
      long block = h * qk + h * qk + h * v + v * h + seq * qk + seq * v + h * i + i * h;
      long mlm = s.mlm ? h * h + h * s.vocab : 0;
      long tokenClassifier = h * s.tokenClasses;
      long expected = 2 * (s.layers * block + mlm + tokenClassifier);
      assertEquals(expected, plan.flopsPerToken(seq), "seq " + seq);
    }
  }

  @Test
  void linearOnlyWeightsAreTheDenseLayersAndNotTheTiedEmbedding() {
    // UniLM: the decoding pass, planned apart, reads the MLM transform and the layers too.
    Plan plan = spec().mask(Mask.UNILM).plan();
    List<LinearOnlyWeights.Weight> weights = LinearOnlyWeights.of(plan);
    Map<String, String> widths = new LinkedHashMap<>();
    for (LinearOnlyWeights.Weight w : weights) {
      widths.put(w.parameter().name(), w.in() + "→" + w.out());
    }
    // Per layer q·k·v as one [48, 16] view, the attention output, the FFN's two; the pooler, the
    // MLM transform and the classifier. The MLM decoder reads the word embeddings, which the
    // embedding lookup reads too: they stay out.
    assertEquals(2 * 4 + 3, weights.size(), widths.toString());
    assertEquals(List.of("16→48", "16→16", "16→32", "32→16"), widths.entrySet().stream()
        .filter(e -> e.getKey().contains("layer.1.")).map(Map.Entry::getValue).toList(),
        widths.toString());
    assertTrue(widths.keySet().stream().noneMatch(n -> n.contains("word_embeddings")),
        widths.toString());
    for (LinearOnlyWeights.Weight w : weights) {
      long from = w.parameter().offset();
      long to = from + w.parameter().size();
      for (Call c : plan.forward()) {
        for (Arg a : c.args()) {
          if (a instanceof Arg.Param p && p.parameter().offset() < to
              && from < p.parameter().offset() + p.parameter().size()) {
            assertTrue(c.op() instanceof Linear l && l.weight().equals(w.parameter()),
                w.parameter().name() + " is also read by " + c.kernel());
          }
        }
      }
    }
  }

  /**
   * Replays the passes a model created for inference runs on the per-token arena's columns, as a
   * bf16 backend would: a product writing a declared intermediate whole (pre = out) leaves bf16
   * there, and nothing may touch those columns before the very next call, a product reading them
   * whole. The feed-forward's hidden layer is declared, in every spec.
   */
  @ParameterizedTest
  @MethodSource("specs")
  void linearIntermediatesAreReadByTheNextProductAlone(Spec s) {
    Plan plan = s.plan();
    List<LinearIntermediates.Intermediate> declared = LinearIntermediates.of(plan);
    assertFalse(declared.isEmpty(), s.toString());
    assertTrue(declared.stream().allMatch(h -> h.width() == s.intermediate), declared.toString());
    replay(InferenceArena.calls(plan.forward()), plan.inference().columns(), declared, s);
    if (plan.decode() != null) {
      replay(plan.decode().calls(), plan.decode().columns(), declared, s);
    }
  }

  private static void replay(List<Call> calls, Map<Buffer, Column> columns,
      List<LinearIntermediates.Intermediate> declared, Spec s) {
    LinearIntermediates.Intermediate held = null;
    int heldAt = -1;
    for (int i = 0; i < calls.size(); i++) {
      Call c = calls.get(i);
      if (held != null) {
        boolean reads = i == heldAt + 1 && c.op() instanceof Linear l && !l.clsRows()
            && tokenColumn(columns, l.x().buffer()) == held.column() && l.in() == held.width()
            && l.x().buffer().width() == held.width();
        for (Buffer b : c.buffers()) {
          int from = tokenColumn(columns, b);
          boolean overlaps = from >= 0 && from < held.column() + held.width()
              && held.column() < from + b.width();
          assertTrue(!overlaps || reads && b.equals(((Linear) c.op()).x().buffer()), s + ": "
              + c.kernel() + " touches " + b.id() + " while it holds bf16 (" + held + ")");
        }
        assertTrue(reads, s + ": " + c.kernel() + " follows the product that wrote " + held);
        held = null;
      }
      if (c.op() instanceof Linear l && !l.clsRows() && l.out().buffer().extent() == Extent.TOKENS
          && (l.activation() == null || tokenColumn(columns, l.pre().buffer())
              == tokenColumn(columns, l.out().buffer()))) {
        LinearIntermediates.Intermediate at = new LinearIntermediates.Intermediate(
            tokenColumn(columns, l.out().buffer()), l.outWidth());
        if (declared.contains(at)) {
          held = at;
          heldAt = i;
        }
      }
    }
    assertEquals(null, held, s + ": the pass ends holding bf16");
  }

  /** The per-token column of {@code b} at its layer; −1 for a buffer of another extent. */
  private static int tokenColumn(Map<Buffer, Column> columns, Buffer b) {
    return b.extent() == Extent.TOKENS ? columns.get(b).of(b.layer()) : -1;
  }

  @Test
  void bertBaseForwardFlopsAtLength128() {
    Plan plan = bertBase().heads(true, false, 0).plan();
    // 2 × the 12 blocks' matmul weights (84,934,656) + 2 × 12 × 128 × 2 × 768 for attention.
    assertEquals(2L * 12 * (4 * 768 * 768 + 2 * 768 * 3072) + 2L * 12 * 128 * 2 * 768,
        plan.flopsPerToken(128));
  }

  // ---- liveness and the arena -------------------------------------------------------------------

  /**
   * Each buffer's def–use intervals [first, last] over the training step's timeline, computed here
   * from the accesses: a call that only writes a buffer starts a new value, any call that reads it
   * (READ or UPDATE) extends the current one, and a read with no value before it is a planner bug.
   * Outputs stay live from their first write to the end of the step: they are read after it, and a
   * recomputed layer rewrites its output in the backward, so its columns are never lent meanwhile.
   */
  private static Map<Buffer, List<int[]>> intervals(Plan plan) {
    return intervals(plan.timeline(),
        plan.outputs().stream().map(HeadOutput::buffer).collect(Collectors.toSet()));
  }

  /** Each buffer's live intervals over {@code timeline}, the outputs live to its end. */
  private static Map<Buffer, List<int[]>> intervals(List<Call> timeline, Set<Buffer> outputs) {
    Map<Buffer, List<int[]>> lives = new LinkedHashMap<>();
    for (int i = 0; i < timeline.size(); i++) {
      Set<Buffer> written = new LinkedHashSet<>();
      Set<Buffer> read = new LinkedHashSet<>();
      for (Arg arg : timeline.get(i).args()) {
        if (arg instanceof Arg.Buf b) {
          (b.access() == Access.WRITE ? written : read).add(b.buffer());
        }
      }
      for (Buffer b : read) {
        List<int[]> values = lives.get(b);
        if (values == null) {
          fail("call " + i + " (" + timeline.get(i).kernel() + ") reads " + b.id()
              + " before any call writes it");
        }
        values.get(values.size() - 1)[1] = i;
      }
      written.removeAll(read);
      for (Buffer b : written) {
        lives.computeIfAbsent(b, x -> new ArrayList<>()).add(new int[] {i, i});
      }
    }
    for (Buffer o : outputs) {
      List<int[]> values = lives.get(o);
      assertNotNull(values, "output " + o.id() + " is written by some call");
      int first = values.get(0)[0];
      values.clear();
      values.add(new int[] {first, timeline.size() - 1});
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

  /** The first arena column of {@code b} (its layer's copy). */
  private static int column(Plan plan, Buffer b) {
    Column c = plan.columns().get(b);
    assertNotNull(c, b.id() + " has a column");
    return c.of(b.layer());
  }

  private static String describe(Plan plan, Buffer b, List<int[]> life) {
    int col = column(plan, b);
    StringBuilder s = new StringBuilder(b.id() + " [" + col + ", " + (col + b.width()) + ") live");
    for (int[] in : life) {
      s.append(' ').append(in[0]).append("..").append(in[1]);
    }
    return s.toString();
  }

  private static boolean together(List<int[]> a, List<int[]> b) {
    for (int[] x : a) {
      for (int[] y : b) {
        if (x[0] <= y[1] && y[0] <= x[1]) {
          return true;
        }
      }
    }
    return false;
  }

  /** Every buffer a call of the timeline touches. */
  private static Set<Buffer> touched(Plan plan) {
    Set<Buffer> buffers = new LinkedHashSet<>();
    for (Call call : plan.timeline()) {
      buffers.addAll(call.buffers());
    }
    return buffers;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void liveBuffersNeverShareColumns(Spec s) {
    Plan plan = s.plan();
    Map<Buffer, List<int[]>> lives = intervals(plan);
    assertEquals(touched(plan), plan.columns().keySet(), "every buffer a call uses is placed, no other");
    assertEquals(lives.keySet(), plan.columns().keySet(), "every placed buffer has a life");
    for (Buffer b : plan.columns().keySet()) {
      Column c = plan.columns().get(b);
      assertEquals(b.width(), c.width(), b.id() + "'s column has its width");
      assertTrue(c.slots() >= 1 && c.slots() <= Math.max(1, s.layers), b.id() + " has 1..layers slots");
      if (b.layer() == Buffer.GLOBAL) {
        assertEquals(1, c.slots(), "global " + b.id() + " has one slot");
      }
      assertTrue(column(plan, b) >= 0, b.id() + " has a column");
      assertTrue(column(plan, b) + b.width() <= regionWidth(plan, b.extent()),
          b.id() + " fits in its region");
    }
    List<Buffer> buffers = new ArrayList<>(plan.columns().keySet());
    int pairs = 0;
    for (int i = 0; i < buffers.size(); i++) {
      for (int j = i + 1; j < buffers.size(); j++) {
        Buffer a = buffers.get(i);
        Buffer b = buffers.get(j);
        if (a.extent() != b.extent()) {
          continue;
        }
        int ca = column(plan, a);
        int cb = column(plan, b);
        boolean overlap = ca < cb + b.width() && cb < ca + a.width();
        if (overlap && together(lives.get(a), lives.get(b))) {
          fail(describe(plan, a, lives.get(a)) + " overlaps " + describe(plan, b, lives.get(b)));
        }
        if (overlap) {
          pairs++;
        }
      }
    }
    assertTrue(pairs > 0, "some buffers share columns");
  }

  /**
   * The decoding pass, placed over its own calls, never lends a live buffer's columns but a
   * pre-activation's to the activation written over it (nothing else reads that pre).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void liveDecodingBuffersNeverShareColumns(Spec s) {
    Plan plan = s.plan();
    if (plan.decode() == null) {
      return;
    }
    Set<Buffer> kept = Set.of(plan.decode().logits());
    Map<Buffer, List<int[]>> lives = intervals(plan.decode().calls(), kept);
    assertEquals(lives.keySet(), plan.decode().columns().keySet(), "every decoding buffer is placed");
    Map<Buffer, Buffer> aliases = InferenceArena.aliases(plan.decode().calls(), kept);
    assertFalse(aliases.isEmpty(), "the feed-forward's pre shares its output's memory");
    for (Map.Entry<Buffer, Buffer> alias : aliases.entrySet()) {
      Buffer pre = alias.getKey();
      assertEquals(plan.decode().columns().get(alias.getValue()), plan.decode().columns().get(pre),
          pre.id() + " takes " + alias.getValue().id() + "'s columns");
      assertEquals(1, plan.decode().calls().stream().filter(c -> c.buffers().contains(pre)).count(),
          pre.id() + " is touched by the one call that writes it");
    }
    List<Buffer> buffers = new ArrayList<>(lives.keySet());
    for (int i = 0; i < buffers.size(); i++) {
      Buffer a = buffers.get(i);
      int ca = plan.decode().columns().get(a).of(a.layer());
      assertTrue(ca + a.width() <= regionWidth(plan, a.extent()), a.id() + " fits in its region");
      for (int j = i + 1; j < buffers.size(); j++) {
        Buffer b = buffers.get(j);
        int cb = plan.decode().columns().get(b).of(b.layer());
        boolean overlap = a.extent() == b.extent() && ca < cb + b.width() && cb < ca + a.width();
        boolean aliased = b.equals(aliases.get(a)) || a.equals(aliases.get(b));
        assertFalse(overlap && !aliased && together(lives.get(a), lives.get(b)),
            a.id() + " and " + b.id() + " share columns while both live");
      }
    }
  }

  /**
   * The inference arena: exactly the buffers the forward's non-training calls touch, placed by their
   * liveness over those calls alone (recomputed here) without overlap, inside widths that cover the
   * decoding pass too and are no wider than the training arena's, which they undercut once the
   * backward keeps anything.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void inferenceArenaPlacesTheForwardAloneWithoutOverlap(Spec s) {
    Plan plan = s.plan();
    InferenceArena arena = plan.inference();
    List<Call> calls = plan.forward().stream().filter(c -> !c.trainingOnly()).toList();
    Set<Buffer> outputs = plan.outputs().stream().map(HeadOutput::buffer).collect(Collectors.toSet());
    Map<Buffer, List<int[]>> lives = intervals(calls, outputs);
    assertEquals(lives.keySet(), arena.columns().keySet(), "every buffer of the forward is placed");
    Map<Buffer, Buffer> aliases = InferenceArena.aliases(calls, outputs);
    assertFalse(aliases.isEmpty(), "the feed-forward's pre shares its output's memory");
    for (Map.Entry<Buffer, Buffer> alias : aliases.entrySet()) {
      Buffer pre = alias.getKey();
      assertEquals(arena.columns().get(alias.getValue()), arena.columns().get(pre),
          pre.id() + " takes " + alias.getValue().id() + "'s columns");
      assertEquals(1, calls.stream().filter(c -> c.buffers().contains(pre)).count(),
          pre.id() + " is touched by the one call that writes it");
      assertFalse(outputs.contains(pre), pre.id() + " is no output");
    }
    List<Buffer> buffers = new ArrayList<>(lives.keySet());
    for (int i = 0; i < buffers.size(); i++) {
      Buffer a = buffers.get(i);
      int ca = arena.columns().get(a).of(a.layer());
      int width = switch (a.extent()) {
        case TOKENS -> arena.tokenWidth();
        case SEQUENCES -> arena.sequenceWidth();
        case PAIRS -> arena.pairWidth();
      };
      assertTrue(ca >= 0 && ca + a.width() <= width, a.id() + " fits in its inference region");
      for (int j = i + 1; j < buffers.size(); j++) {
        Buffer b = buffers.get(j);
        int cb = arena.columns().get(b).of(b.layer());
        boolean overlap = a.extent() == b.extent() && ca < cb + b.width() && cb < ca + a.width();
        boolean aliased = b.equals(aliases.get(a)) || a.equals(aliases.get(b));
        assertFalse(overlap && !aliased && together(lives.get(a), lives.get(b)),
            a.id() + " and " + b.id() + " share inference columns while both live");
      }
    }
    if (plan.decode() != null) {
      assertTrue(arena.tokenWidth() >= plan.decode().tokenWidth()
          && arena.sequenceWidth() >= plan.decode().sequenceWidth(), "the decoding pass fits");
    }
    assertTrue(arena.tokenWidth() <= plan.tokenWidth() && arena.sequenceWidth() <= plan.sequenceWidth()
        && arena.pairWidth() <= plan.pairWidth(), "no region wider than training's");
    if (!plan.backward().isEmpty()) {
      assertTrue(arena.bytes(4, s.maxPosition) < plan.arenaBytes(4, s.maxPosition),
          "inference arena " + arena.bytes(4, s.maxPosition) + " < training arena "
              + plan.arenaBytes(4, s.maxPosition));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void bufferNamesAreUniquePerScope(Spec s) {
    // A buffer is a field of the model class (global) or of the Layer class: one name, one size.
    Map<String, Buffer> byField = new LinkedHashMap<>();
    for (Buffer b : s.plan().columns().keySet()) {
      String field = (b.layer() == Buffer.GLOBAL ? "model." : "layer" + b.layer() + ".") + b.name();
      Buffer other = byField.put(field, b);
      assertTrue(other == null, field + " is two buffers: " + b + " and " + other);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void regionWidthIsTheHighestColumnUsed(Spec s) {
    Plan plan = s.plan();
    for (Extent e : Extent.values()) {
      int top = plan.columns().keySet().stream().filter(b -> b.extent() == e)
          .mapToInt(b -> column(plan, b) + b.width()).max().orElse(0);
      if (plan.decode() != null) {
        top = Math.max(top, plan.decode().columns().entrySet().stream()
            .filter(c -> c.getKey().extent() == e)
            .mapToInt(c -> c.getValue().of(c.getKey().layer()) + c.getKey().width()).max()
            .orElse(0));
      }
      assertEquals(top, regionWidth(plan, e), e + " region (the larger of the two passes)");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void arenaReusesColumns(Spec s) {
    Plan plan = s.plan();
    int tokenSum = plan.columns().keySet().stream().filter(b -> b.extent() == Extent.TOKENS)
        .mapToInt(Buffer::width).sum();
    assertTrue(plan.tokenWidth() < tokenSum,
        "token region " + plan.tokenWidth() + " < sum of token buffers " + tokenSum);
    long unshared = 0;
    int batch = 4;
    int seq = s.maxPosition;
    for (Buffer b : plan.columns().keySet()) {
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
    int sumOne = one.columns().keySet().stream().filter(b -> b.extent() == Extent.TOKENS)
        .mapToInt(Buffer::width).sum();
    int sumFour = four.columns().keySet().stream().filter(b -> b.extent() == Extent.TOKENS)
        .mapToInt(Buffer::width).sum();
    assertTrue((double) four.tokenWidth() / sumFour < (double) one.tokenWidth() / sumOne,
        "reuse ratio: 1 layer " + one.tokenWidth() + "/" + sumOne + ", 4 layers "
            + four.tokenWidth() + "/" + sumFour);
  }

  @Test
  void bertBaseInferenceArenaDoesNotGrowWithDepth() {
    // With no backward to keep activations for, a layer's buffers die inside it and the next layer
    // reuses them: 2 layers or 12 need the same arena, against the training arena's growth.
    Spec base = bertBase().heads(true, false, 2);
    Plan twelve = base.plan();
    Plan two = base.layers(2).plan();
    long inference = twelve.inference().bytes(8, 128);
    System.out.printf("BERT-base arena at 8 x 128: inference %,d bytes, training %,d%n", inference,
        twelve.arenaBytes(8, 128));
    assertEquals(two.inference().bytes(8, 128), inference, "2 layers' inference arena");
    assertTrue(two.arenaBytes(8, 128) < twelve.arenaBytes(8, 128), "the training arena grows");
    assertTrue(8 * inference < twelve.arenaBytes(8, 128), "inference arena " + inference);
  }

  // ---- recompute -------------------------------------------------------------------------------

  @Test
  void recomputeShrinksBertBaseArenaAtLeastFourfold() {
    Spec base = bertBase().heads(true, false, 2);
    long kept = base.recompute(false).plan().arenaBytes(8, 128);
    long recomputed = base.recompute(true).plan().arenaBytes(8, 128);
    System.out.printf("BERT-base arena at 8 x 128: %,d bytes, %,d with recompute%n", kept, recomputed);
    assertTrue(4 * recomputed <= kept,
        "BERT-base arena at batch 8 × seq 128: " + String.format("%,d", kept)
            + " bytes keeping activations, " + String.format("%,d", recomputed)
            + " bytes with recompute (" + String.format("%.2f", (double) kept / recomputed) + "×)");
  }

  @ParameterizedTest(name = "layers = {0}")
  @org.junit.jupiter.params.provider.ValueSource(ints = {1, 3})
  void recomputeReplaysEachLayersForwardBeforeItsBackward(int layers) {
    Plan plan = spec().layers(layers).recompute(true).dropout(0.1, 0.1).plan();
    assertTrue(plan.recompute());
    List<Call> timeline = plan.timeline();
    assertEquals(plan.forward(), timeline.subList(0, plan.forward().size()),
        "the timeline starts with the forward");
    int replayed = 0;
    for (int l = 0; l < layers; l++) {
      int layer = l;
      List<Call> layerForward = plan.forward().stream().filter(c -> c.layer() == layer).toList();
      List<Call> layerBackward = plan.backward().stream().filter(c -> c.layer() == layer).toList();
      assertFalse(layerForward.isEmpty(), "layer " + l + " has forward calls");
      assertFalse(layerBackward.isEmpty(), "layer " + l + " has backward calls");
      int firstBackward = -1;
      for (int i = plan.forward().size(); i < timeline.size(); i++) {
        if (timeline.get(i) == layerBackward.get(0)) {
          firstBackward = i;
          break;
        }
      }
      assertTrue(firstBackward >= layerForward.size(), "layer " + l + "'s backward is on the timeline");
      assertEquals(layerForward, timeline.subList(firstBackward - layerForward.size(), firstBackward),
          "layer " + l + "'s forward is replayed just before its backward");
      // And its backward follows in one run.
      assertEquals(layerBackward,
          timeline.subList(firstBackward, firstBackward + layerBackward.size()),
          "layer " + l + "'s backward runs in one piece after the replay");
      replayed += layerForward.size();
    }
    assertEquals(plan.forward().size() + replayed + plan.backward().size(), timeline.size(),
        "the timeline is the forward, the backward and one replay of each layer");
    Plan kept = spec().layers(layers).dropout(0.1, 0.1).plan();
    assertEquals(kept.forward().size() + kept.backward().size(), kept.timeline().size(),
        "without recompute nothing is replayed");
  }

  @Test
  void recomputeKeepsOnlyEachLayersInputAcrossTheStep() {
    // Under recompute, a layer buffer whose copies are all live at once (one slot per layer) is only
    // what the replay cannot rebuild: the layer's input, i.e. the previous layer's output.
    int layers = 4;
    Plan plan = spec().layers(layers).recompute(true).dropout(0.1, 0.1).plan();
    Set<String> perLayer = new LinkedHashSet<>();
    for (Map.Entry<Buffer, Column> e : plan.columns().entrySet()) {
      if (e.getKey().layer() >= 0 && e.getValue().slots() == layers) {
        perLayer.add(e.getKey().name());
      }
    }
    Set<String> inputs = new LinkedHashSet<>();
    for (Plan.LayerPorts ports : plan.layers()) {
      if (ports.input().layer() >= 0) {
        inputs.add(ports.input().name());
      }
    }
    assertEquals(inputs, perLayer, "layer buffers kept for every layer");
    Plan kept = spec().layers(layers).dropout(0.1, 0.1).plan();
    long keptPerLayer = kept.columns().entrySet().stream()
        .filter(e -> e.getKey().layer() == 0 && e.getValue().slots() == layers).count();
    assertTrue(keptPerLayer > perLayer.size(),
        "without recompute the backward keeps more per layer: " + keptPerLayer);
  }

  // ---- the backward ------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void backwardCallsAreBackwardKernels(Spec s) {
    for (Call call : s.plan().backward()) {
      assertTrue(call.kernel().endsWith("Backward") || call.kernel().equals("fill")
          || call.kernel().equals("copyColumns"), "backward calls " + call.kernel());
      assertEquals(-1, call.loss(), "no loss in the backward");
      assertFalse(call.trainingOnly(), "the backward runs in training only anyway");
    }
  }

  /** The layers of {@code calls} as runs: [-1, 0, 1, -1] for globals, layer 0, layer 1, globals. */
  private static List<Integer> runs(List<Call> calls) {
    List<Integer> runs = new ArrayList<>();
    for (Call call : calls) {
      if (runs.isEmpty() || !runs.get(runs.size() - 1).equals(call.layer())) {
        runs.add(call.layer());
      }
    }
    return runs;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void layerCallsFormOneRunPerLayerInOrder(Spec s) {
    // The emitter writes the model's calls with every layer call replaced by one loop over the
    // layers (bottom up in the forward, top down in the backward): the plan must have that shape.
    Plan plan = s.plan();
    List<Integer> forward = new ArrayList<>(List.of(Buffer.GLOBAL));
    for (int l = 0; l < s.layers; l++) {
      forward.add(l);
    }
    forward.add(Buffer.GLOBAL);
    List<Integer> planned = runs(plan.forward());
    if (planned.get(planned.size() - 1) != Buffer.GLOBAL) {
      forward.remove(forward.size() - 1);
    }
    assertEquals(forward, planned, "forward: embeddings, layers 0.., heads");
    if (plan.backward().isEmpty()) {
      return;
    }
    List<Integer> backward = new ArrayList<>(List.of(Buffer.GLOBAL));
    for (int l = s.layers - 1; l >= 0; l--) {
      backward.add(l);
    }
    backward.add(Buffer.GLOBAL);
    assertEquals(backward, runs(plan.backward()), "backward: heads, layers ..0, embeddings");
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
          if (rank >= 0 && rank < s.layers) {
            assertEquals(rank, call.layer(), call.kernel() + " of " + name + " is in its layer's scope");
          }
        }
      }
    }
    assertEquals(-1, previous, "the backward ends in the embeddings");
  }

  private static Set<String> withGradient(Plan plan) {
    Set<String> names = new HashSet<>();
    for (Call call : plan.backward()) {
      for (Arg arg : call.args()) {
        if (arg instanceof Arg.Grad g) {
          Parameter written = g.parameter();
          for (Parameter p : plan.parameters()) {
            if (p.offset() >= written.offset()
                && p.offset() + p.size() <= written.offset() + written.size()) {
              names.add(p.name());
            }
          }
        }
      }
    }
    return names;
  }

  @Test
  void everyParameterThatReachesALossGetsAGradient() {
    for (Spec s : List.of(spec().heads(true, true, 3).dropout(0.1, 0.1),
        spec().mask(Mask.LM).heads(true, true, 3).tokenClasses(4).dropout(0.1, 0.1).recompute(true))) {
      Set<String> withGradient = withGradient(s.plan());
      for (Parameter p : s.plan().parameters()) {
        assertTrue(withGradient.contains(p.name()), s + ": " + p.name() + " has a gradient");
      }
    }
  }

  @Test
  void poolerWithoutClassifierGetsNoGradient() {
    for (Spec s : List.of(spec().heads(true, true, 0), spec().heads(true, false, 0).tokenClasses(2))) {
      Plan plan = s.plan();
      assertFalse(plan.backward().isEmpty(), s + " trains");
      for (Call call : plan.backward()) {
        for (Arg arg : call.args()) {
          if (arg instanceof Arg.Grad g) {
            assertFalse(g.parameter().name().startsWith("pooler."),
                "the pooler reaches no loss, yet " + call.kernel() + " writes its gradient");
          }
        }
      }
    }
  }

  // ---- heads: losses and outputs -------------------------------------------------------------------

  /** The losses the heads of {@code s} declare, in order: kind and class count. */
  private static List<String> expectedLosses(Spec s) {
    List<String> expected = new ArrayList<>();
    if (s.mlm) {
      String kind = switch (s.objective()) {
        case MASKED_LM -> "TOKEN_LABELS";
        case NEXT_TOKEN -> "NEXT_TOKEN";
        case NEXT_TARGET_TOKEN -> "NEXT_TARGET_TOKEN";
        case BY_MASK -> throw new AssertionError();
      };
      expected.add(kind + "/" + s.vocab);
    }
    if (s.classes > 0) {
      expected.add("SEQUENCE_LABELS/" + s.classes);
    }
    if (s.tokenClasses > 0) {
      expected.add("TOKEN_LABELS/" + s.tokenClasses);
    }
    return expected;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void lossCallsMatchTheHeads(Spec s) {
    Plan plan = s.plan();
    List<String> expected = expectedLosses(s);
    assertEquals(expected, plan.losses().stream().map(l -> l.kind() + "/" + l.classes()).toList());
    List<Integer> indices = plan.forward().stream().map(Call::loss).filter(i -> i >= 0).toList();
    List<Integer> inOrder = new ArrayList<>();
    for (int i = 0; i < expected.size(); i++) {
      inOrder.add(i);
    }
    assertEquals(inOrder, indices, "one loss call per loss, in order");
    for (Call call : plan.forward()) {
      if (call.loss() >= 0) {
        assertTrue(call.trainingOnly(), "a loss is computed in training only");
        assertEquals("softmaxCrossEntropy", call.kernel());
        assertEquals(Buffer.GLOBAL, call.layer(), "losses belong to the heads");
        assertTrue(call.args().contains(new Arg.Targets(call.loss())), "reads its own targets");
        assertTrue(call.args().contains(new Arg.LossScale(call.loss())), "scales by its own scale");
      } else {
        assertFalse(call.args().stream().anyMatch(a -> a instanceof Arg.Targets
            || a instanceof Arg.LossScale), call.kernel() + " is no loss");
      }
    }
    for (Loss loss : plan.losses()) {
      assertNotNull(loss.head());
    }
    assertEquals(expected.isEmpty(), plan.backward().isEmpty(),
        "a model trains exactly when it has a loss");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void outputsMatchTheHeads(Spec s) {
    Plan plan = s.plan();
    List<String> expected = new ArrayList<>(List.of("sequence_output/TOKENS/" + s.hidden));
    if (s.pooler) {
      expected.add("pooled_output/SEQUENCES/" + s.hidden);
    }
    if (s.mlm) {
      expected.add("mlm_logits/TOKENS/" + s.vocab);
    }
    if (s.classes > 0) {
      expected.add("class_logits/SEQUENCES/" + s.classes);
    }
    if (s.tokenClasses > 0) {
      expected.add("token_class_logits/TOKENS/" + s.tokenClasses);
    }
    assertEquals(expected, plan.outputs().stream()
        .map(o -> o.name() + "/" + o.buffer().extent() + "/" + o.buffer().width()).toList());
    Set<String> accessors = new HashSet<>();
    for (HeadOutput o : plan.outputs()) {
      assertTrue(accessors.add(o.accessor()), "accessor " + o.accessor() + " once");
      assertTrue(o.accessor().matches("[a-z][A-Za-z]*"), o.accessor());
    }
    HeadOutput sequence = plan.outputs().get(0);
    assertEquals(plan.layers().get(s.layers - 1).index(), s.layers - 1);
    assertEquals(s.layers - 1, sequence.buffer().layer(), "the sequence output is the last layer's");
  }

  @Test
  void tokenClassifierHasATokenLabelsLossAndGradients() {
    Spec s = spec().heads(false, false, 0).tokenClasses(5).dropout(0.1, 0.1);
    Plan plan = s.plan();
    assertEquals(1, plan.losses().size());
    Loss loss = plan.losses().get(0);
    assertEquals(LossKind.TOKEN_LABELS, loss.kind());
    assertEquals(5, loss.classes());
    HeadOutput logits = plan.outputs().stream().filter(o -> o.name().equals("token_class_logits"))
        .findFirst().orElseThrow(() -> new AssertionError("no token_class_logits output"));
    assertEquals(Extent.TOKENS, logits.buffer().extent(), "one row of logits per token");
    assertEquals(5, logits.buffer().width());
    Call lossCall = plan.forward().stream().filter(c -> c.loss() == 0).findFirst().orElseThrow();
    assertTrue(lossCall.args().contains(new Arg.Buf(logits.buffer(), Access.READ)),
        "the loss reads the token logits");
    assertTrue(lossCall.args().contains(new Arg.Dim(Extent.TOKENS, 1)), "over every token");
    Set<String> withGradient = withGradient(plan);
    Set<String> classifier = new HashSet<>();
    for (Parameter p : plan.parameters()) {
      if (p.name().startsWith("token_classifier.")) {
        classifier.add(p.name());
      }
    }
    assertEquals(Set.of("token_classifier.weight", "token_classifier.bias"), classifier);
    assertTrue(withGradient.containsAll(classifier), "token classifier gradients: " + withGradient);
    for (Parameter p : plan.parameters()) {
      assertTrue(withGradient.contains(p.name()), p.name() + " has a gradient");
    }
  }

  /**
   * A CRF or MEMM head: emissions on every token, a TAG_PATHS loss whose one call reads them and the
   * transitions and adds the transitions' gradient; the dense layer's gradients come from the
   * backward, the rest of the model's too.
   */
  @ParameterizedTest(name = "crf {0}")
  @ValueSource(booleans = {true, false})
  void tagPathHeadHasATagPathLossThatAddsTheTransitionsGradient(boolean crf) {
    String name = crf ? "crf" : "memm";
    Spec s = spec().heads(false, false, 0).dropout(0.1, 0.1);
    Plan plan = (crf ? s.crf(4) : s.memm(4)).plan();
    assertEquals(List.of("TAG_PATHS/4"),
        plan.losses().stream().map(l -> l.kind() + "/" + l.classes()).toList());
    HeadOutput emissions = plan.outputs().stream()
        .filter(o -> o.name().equals(name + "_emissions")).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + "_emissions output"));
    assertEquals(name + "Emissions", emissions.accessor());
    assertEquals(Extent.TOKENS, emissions.buffer().extent());
    assertEquals(4, emissions.buffer().width());
    Parameter transitions = plan.parameters().stream()
        .filter(p -> p.name().equals(name + ".transitions")).findFirst().orElseThrow();
    assertEquals(List.of(4, 4), Arrays.stream(transitions.shape()).boxed().toList());
    Call lossCall = plan.forward().stream().filter(c -> c.loss() == 0).findFirst().orElseThrow();
    assertEquals(crf ? "crfLoss" : "memmLoss", lossCall.kernel());
    assertTrue(lossCall.trainingOnly());
    assertTrue(lossCall.args().contains(new Arg.Buf(emissions.buffer(), Access.READ)));
    assertTrue(lossCall.args().contains(new Arg.Param(transitions)));
    assertTrue(lossCall.args().contains(new Arg.Grad(transitions)), "adds dTransitions");
    Set<String> withGradient = withGradient(plan);
    assertFalse(withGradient.contains(transitions.name()), "the backward leaves the transitions");
    for (Parameter p : plan.parameters()) {
      assertTrue(p == transitions || withGradient.contains(p.name()), p.name() + " has a gradient");
    }
    assertEquals(Set.of(name + ".dense.weight", name + ".dense.bias", name + ".transitions"),
        plan.parameters().stream().map(Parameter::name).filter(n -> n.startsWith(name + "."))
            .collect(Collectors.toSet()));
  }

  @Test
  void noHeadsMeansNoLossAndNoBackward() {
    Plan plan = spec().heads(false, false, 0).dropout(0.1, 0.1).plan();
    assertFalse(plan.forward().isEmpty());
    for (Call call : plan.forward()) {
      assertEquals(-1, call.loss(), call.kernel() + " computes no loss");
      assertNotEquals("softmaxCrossEntropy", call.kernel());
    }
    assertTrue(plan.backward().isEmpty(), "no backward without a loss");
    assertTrue(plan.losses().isEmpty());
    assertEquals(List.of("sequence_output"), plan.outputs().stream().map(HeadOutput::name).toList());
    for (Plan.LayerPorts ports : plan.layers()) {
      assertEquals(null, ports.inputGradient(), "no input gradient without a backward");
    }
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
    // The backward uses the forward's sites again (the same masks), and no other.
    Set<Integer> backwardSites = new HashSet<>();
    for (Call call : plan.backward()) {
      for (Arg arg : call.args()) {
        if (arg instanceof Arg.Seed seed && seed.site() >= 0) {
          backwardSites.add(seed.site());
        }
      }
    }
    assertEquals(sites, backwardSites, "each dropout's backward reads its forward's seed");
  }

  @Test
  void layerPortsChainTheLayers() {
    Plan plan = spec().layers(3).dropout(0.1, 0.1).plan();
    assertEquals(3, plan.layers().size());
    for (int l = 0; l < 3; l++) {
      Plan.LayerPorts ports = plan.layers().get(l);
      assertEquals(l, ports.index());
      assertEquals(l - 1, ports.input().layer(), "layer " + l + " reads the scope below");
      assertNotNull(ports.inputGradient(), "layer " + l + " hands a gradient down");
      assertEquals(ports.input().extent(), ports.inputGradient().extent());
      assertEquals(ports.input().width(), ports.inputGradient().width());
      assertEquals(l - 1, ports.inputGradient().layer());
    }
  }
}
