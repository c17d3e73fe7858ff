package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import java.util.List;

/** {@code Kernels.attentionScoresBackward}: dq and dk from dScores and the kept q and k. */
public record AttentionScoresBackward(AttentionShape shape, Buffer q, Buffer k, Buffer dScores,
    Buffer dq, Buffer dk) implements KernelOp {
  @Override
  public String kernel() {
    return "attentionScoresBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.Buf(q, Access.READ), new Arg.Buf(k, Access.READ),
        new Arg.Buf(dScores, Access.READ), new Arg.Buf(dq, Access.WRITE),
        new Arg.Buf(dk, Access.WRITE));
  }
}
