package bert4j.processor.ops;

import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.attentionNormalize}: the unfused attention's mask and normalization (softmax,
 * squared ReLU, softmax plus) from scores to probabilities, the padding keys read from the host
 * array {@code keyIds} (the token ids; T5's decoder passes its own). Backward:
 * {@code attentionNormalizeBackward} into dScores, in place where the gradient allows.
 */
public record AttentionNormalize(AttentionShape shape, Mask mask, Normalization normalization,
    String keyIds, Value scores, Value probs) implements ForwardOp {
  /** Masking padding keys by the token ids. */
  public AttentionNormalize(AttentionShape shape, Mask mask, Normalization normalization,
      Value scores, Value probs) {
    this(shape, mask, normalization, "tokenIds", scores, probs);
  }

  @Override
  public String kernel() {
    return "attentionNormalize";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.EnumConst(mask), new Arg.EnumConst(normalization),
        new Arg.Host(keyIds), new Arg.Host("segmentIds"),
        new Arg.Buf(scores.buffer(), Access.READ), new Arg.Buf(probs.buffer(), Access.WRITE));
  }

  @Override
  public List<Value> inputs() {
    return List.of(scores);
  }

  @Override
  public List<Value> outputs() {
    return List.of(probs);
  }

  @Override
  public List<Buffer> saved() {
    return List.of(scores.buffer(), probs.buffer());
  }

  @Override
  public void backward(Gradients gradients) {
    Buffer dProbs = gradients.of(probs);
    Buffer dScores = gradients.inPlace(probs, scores);
    gradients.record(new AttentionNormalizeBackward(shape, mask, normalization, keyIds,
        scores.buffer(),
        probs.buffer(), dProbs, dScores));
  }
}
