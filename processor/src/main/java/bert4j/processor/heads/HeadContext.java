package bert4j.processor.heads;

import bert4j.processor.ops.CrfLoss;
import bert4j.processor.ops.MemmLoss;
import bert4j.processor.ops.SigmoidCrossEntropy;
import bert4j.processor.ops.SoftmaxCrossEntropy;
import bert4j.processor.ops.SpanLoss;
import bert4j.processor.ops.TagPathLossOp;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * What heads build on and hand back: the tape, the spec, the encoder's sequence output and token
 * embedding (for tied decoders), the condition of conditional layer norms, the pooled output once the pooler has built it, and the outputs and
 * losses the heads declare, in order.
 */
public final class HeadContext {
  private final Tape tape;
  private final ModelSpec spec;
  private final Value sequence;
  private final Parameter wordEmbeddings;
  private final Value condition;
  private final List<HeadOutput> outputs = new ArrayList<>();
  private final List<Loss> losses = new ArrayList<>();
  private Value pooled;

  public HeadContext(Tape tape, ModelSpec spec, Value sequence, Parameter wordEmbeddings,
      Value condition) {
    this.tape = tape;
    this.spec = spec;
    this.sequence = sequence;
    this.wordEmbeddings = wordEmbeddings;
    this.condition = condition;
    output("sequence_output", "sequenceOutput", sequence);
  }

  public Tape tape() {
    return tape;
  }

  public ModelSpec spec() {
    return spec;
  }

  /** The encoder's output, {@code [batch, seq, hidden]}. */
  public Value sequence() {
    return sequence;
  }

  /** The token embedding, {@code [vocab, embeddingSize]}. */
  public Parameter wordEmbeddings() {
    return wordEmbeddings;
  }

  /** The condition of the conditional layer norms, or null when the spec has none. */
  public Value condition() {
    return condition;
  }

  /** The pooler's output, or null when the spec has no pooler. */
  public Value pooled() {
    return pooled;
  }

  void pooled(Value value) {
    pooled = value;
  }

  /** Declares an output read after every forward pass. */
  public void output(String name, String accessor, Value value) {
    outputs.add(new HeadOutput(name, accessor, value.buffer()));
  }

  /**
   * Records the softmax cross-entropy of {@code logits} against the targets of a new loss, in
   * training only, and returns the loss's index.
   */
  public int softmaxLoss(Value logits, int classes, LossKind kind, String head) {
    int index = losses.size();
    losses.add(new Loss(kind, classes, head));
    Value dLogits = tape.buffer(logits.buffer().name() + "Grad", logits.buffer().extent(), classes);
    tape.record(new SoftmaxCrossEntropy(logits, index, classes, dLogits));
    return index;
  }

  /**
   * Records the binary (sigmoid) cross-entropy of one logit per row against the 0/1 targets of a new
   * loss, in training only, and returns the loss's index.
   */
  public int sigmoidLoss(Value logits, LossKind kind, String head) {
    int index = losses.size();
    losses.add(new Loss(kind, 2, head));
    Value dLogits = tape.buffer(logits.buffer().name() + "Grad", logits.buffer().extent(), 1);
    tape.record(new SigmoidCrossEntropy(logits, index, dLogits));
    return index;
  }

  /**
   * Records the linear-chain CRF loss of {@code emissions} ({@code [tokens, tags]}) under
   * {@code transitions} against the tag paths of a new loss, in training only, and returns the
   * loss's index.
   */
  public int crfLoss(Value emissions, Parameter transitions, int tags, String head) {
    return tagPathLoss(emissions, tags, head,
        (index, d) -> new CrfLoss(emissions, transitions, index, tags, d));
  }

  /** As {@link #crfLoss}, the MEMM loss. */
  public int memmLoss(Value emissions, Parameter transitions, int tags, String head) {
    return tagPathLoss(emissions, tags, head,
        (index, d) -> new MemmLoss(emissions, transitions, index, tags, d));
  }

  /** A tag-path loss op for loss {@code index}, writing the emissions' gradient into {@code d}. */
  private interface TagPathLossFactory {
    TagPathLossOp create(int index, Value d);
  }

  private int tagPathLoss(Value emissions, int tags, String head, TagPathLossFactory op) {
    int index = losses.size();
    losses.add(new Loss(LossKind.TAG_PATHS, tags, head));
    Value d = tape.buffer(emissions.buffer().name() + "Grad", emissions.buffer().extent(), tags);
    tape.record(op.create(index, d));
    return index;
  }

  /**
   * Records the multilabel categorical cross-entropy of span scores ({@code [batch, types, seq,
   * seq]}) against the target spans {@code Batch.spans} holds under {@code spanHead}, in training
   * only, and returns the loss's index; with {@code tril} the scores mask spans ending before they
   * start, and the runtime refuses such targets.
   */
  public int spanLoss(Value scores, int types, String spanHead, String head, boolean tril) {
    int index = losses.size();
    losses.add(new Loss(LossKind.SPANS, types, head, spanHead, tril));
    Value d = tape.buffer(scores.buffer().name() + "Grad", Extent.PAIRS, types);
    tape.record(new SpanLoss(scores, index, types, d));
    return index;
  }

  public List<HeadOutput> outputs() {
    return List.copyOf(outputs);
  }

  public List<Loss> losses() {
    return List.copyOf(losses);
  }
}
