package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.relativeScores}: NEZHA's q·R term added to the scores in place ({@code out} is the
 * scores' next value). Backward: the scores' gradient passes through; dq gains the term's part.
 */
public record RelativeScores(AttentionShape shape, Value q, int maxRelative, Value scores,
    Value out) implements ForwardOp {
  @Override
  public String kernel() {
    return "relativeScores";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.Buf(q.buffer(), Access.READ), new Arg.IntConst(maxRelative),
        new Arg.Buf(scores.buffer(), Access.UPDATE));
  }

  @Override
  public Flops flops() {
    return new Flops(0, 2L * shape.heads() * shape.keySize());
  }

  @Override
  public List<Value> inputs() {
    return List.of(q, scores);
  }

  @Override
  public List<Value> outputs() {
    return List.of(out);
  }

  @Override
  public List<Buffer> saved() {
    return List.of();
  }

  @Override
  public void backward(Gradients gradients) {
    Buffer dScores = gradients.of(out);
    gradients.share(out, scores);
    Gradients.Target dq = gradients.target(q, true, true);
    if (dq != null) {
      gradients.record(new RelativeScoresBackward(shape, dScores, maxRelative, dq.buffer()));
    }
  }
}
