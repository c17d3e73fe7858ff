package bert4j.processor.heads;

import bert4j.processor.blocks.Embeddings;
import bert4j.processor.ops.GatherRows;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/**
 * The LM head of the incremental decoding pass: each sequence's last new row gathered into one row
 * per sequence, then the MLM head's logits on those rows only ({@code [batch, vocab]}), so a step
 * pays for one row of the head per sequence.
 */
public final class DecodeHead {
  private DecodeHead() {}

  /** The LM head on every row of {@code rows} (T5's decoding: one new row per sequence). */
  public static Value logitsOfRows(Tape tape, ModelSpec spec, Value rows, Parameter shared) {
    return MlmHead.logits(tape, spec, rows, shared, null);
  }

  /** Records the head on a decoding tape after the encoder; returns the logits. */
  public static Value build(Tape tape, ModelSpec spec, Embeddings.Result encoder) {
    int width = encoder.output().buffer().width();
    Value last = tape.buffer("lastRows", Extent.SEQUENCES, width);
    tape.comment("each sequence's last new row");
    tape.record(new GatherRows(encoder.output(), last, width));
    return MlmHead.logits(tape, spec, last, encoder.wordEmbeddings(), encoder.condition());
  }
}
