package bert4j.processor.heads;

import bert4j.processor.blocks.Dense;
import bert4j.processor.ops.AttentionScores;
import bert4j.processor.ops.AttentionShape;
import bert4j.processor.ops.Rotary;
import bert4j.processor.ops.SpanMask;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.spec.SpanHeadSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/**
 * One span head: bert4keras's {@code GlobalPointer}, or its {@code EfficientGlobalPointer}
 * ({@code bert4j.dsl.SpanHead} says what each computes). Parameters under
 * {@code span_heads.<name>.}: {@code dense.weight}, {@code dense.bias} (q rows, then k rows), and
 * for the efficient head {@code type_dense.weight [2·types, 2·headSize]}, {@code type_dense.bias};
 * output {@code <name>_scores}; loss the multilabel categorical cross-entropy against
 * {@code Batch.spans} under the name. The efficient head applies {@code dense} twice, once whole
 * (the un-rotated [q, k] its type terms read) and once as its q and k views that RoPE turns in
 * place: 2·headSize·hidden multiply-adds per token more, for no copy op.
 */
final class GlobalPointerHead implements Head {
  private final SpanHeadSpec span;

  GlobalPointerHead(SpanHeadSpec span) {
    this.span = span;
  }

  @Override
  public void build(HeadContext c) {
    Tape tape = c.tape();
    String prefix = "span_heads." + span.name();
    String field = span.name() + "Span";
    int d = span.headSize();
    int types = span.types();
    int grids = span.efficient() ? 1 : types;
    int hidden = c.spec().hidden();
    Dense whole = Dense.declare(tape, prefix + ".dense", field + "Dense", 2 * grids * d, hidden,
        span.useBias());
    Dense query = part(tape, whole, field + "Query", 0, grids * d);
    Dense key = part(tape, whole, field + "Key", grids * d, grids * d);
    Value bias = null;
    if (span.efficient()) {
      Dense typeDense = Dense.declare(tape, prefix + ".type_dense", field + "TypeDense", 2 * types,
          2 * d, span.useBias());
      tape.comment("span head " + span.name() + ": [q, k] and its per-type start/end terms");
      Value pair = whole.apply(tape, c.sequence(), field + "Pair");
      bias = typeDense.apply(tape, pair, field + "TypeBias");
    }
    tape.comment("span head " + span.name() + ": q and k" + (span.rope() ? ", turned by RoPE" : ""));
    Value q = query.apply(tape, c.sequence(), field + "Query");
    Value k = key.apply(tape, c.sequence(), field + "Key");
    if (span.rope()) {
      Value qTurned = tape.next(q);
      tape.record(new Rotary(q, qTurned, grids, d));
      q = qTurned;
      Value kTurned = tape.next(k);
      tape.record(new Rotary(k, kTurned, grids, d));
      k = kTurned;
    }
    tape.comment("span head " + span.name() + ": q·k / √headSize, masked");
    Value logits = tape.buffer(field + (span.efficient() ? "Logits" : "Scores"), Extent.PAIRS,
        grids);
    tape.record(new AttentionScores(new AttentionShape(grids, d, d, (float) (1 / Math.sqrt(d))), q,
        k, logits));
    Value scores = span.efficient() ? tape.buffer(field + "Scores", Extent.PAIRS, types)
        : tape.next(logits);
    tape.record(new SpanMask(logits, bias, scores, types, span.tril()));
    c.output(span.name() + "_scores", span.name() + "Scores", scores);
    tape.comment("span head " + span.name() + ": multilabel categorical cross-entropy");
    c.spanLoss(scores, types, span.name(), "the span head \"" + span.name() + "\"", span.tril());
  }

  /** Rows [from, from + rows) of {@code whole} as a dense layer of its own (views, no new storage). */
  private static Dense part(Tape tape, Dense whole, String field, int from, int rows) {
    int in = whole.in();
    Parameter weight = tape.view(whole.weight(), field + "Weight", (long) from * in, rows, in);
    Parameter bias = whole.bias() == null ? null
        : tape.view(whole.bias(), field + "Bias", from, rows);
    return new Dense(weight, bias, in, rows);
  }
}
