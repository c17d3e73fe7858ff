package bert4j.processor.ops;

import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import java.util.List;

/** {@code Kernels.attentionNormalizeBackward}: dScores from dProbs and the kept scores and probs. */
public record AttentionNormalizeBackward(AttentionShape shape, Mask mask,
    Normalization normalization, String keyIds, Buffer scores, Buffer probs, Buffer dProbs, Buffer dScores)
    implements KernelOp {
  @Override
  public String kernel() {
    return "attentionNormalizeBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.EnumConst(mask), new Arg.EnumConst(normalization),
        new Arg.Host(keyIds), new Arg.Host("segmentIds"), new Arg.Buf(scores, Access.READ),
        new Arg.Buf(probs, Access.READ), new Arg.Buf(dProbs, Access.READ),
        new Arg.Buf(dScores, dScores.equals(dProbs) ? Access.UPDATE : Access.WRITE));
  }
}
