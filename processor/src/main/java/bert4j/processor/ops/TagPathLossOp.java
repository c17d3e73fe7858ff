package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * A loss over tag paths ({@code Kernels.crfLoss}, {@code Kernels.memmLoss}): the emissions
 * {@code [tokens, tags]} under the transition parameter {@code [tags, tags]}, against loss
 * {@code loss}'s tags, padding from the token ids. Its one call writes the emissions' gradient,
 * which its backward hands on, and adds the transitions' gradient itself ({@link Arg.Grad}): the
 * transitions reach the loss through no other op, so nothing else accumulates into it.
 */
public interface TagPathLossOp extends LossOp {
  Value emissions();

  Parameter transitions();

  int tags();

  Value dEmissions();

  @Override
  default List<Arg> args() {
    return List.of(new Arg.Buf(emissions().buffer(), Access.READ), new Arg.Param(transitions()),
        new Arg.Targets(loss()), new Arg.Host("tokenIds"), new Arg.Batch(), new Arg.SeqLength(),
        new Arg.IntConst(tags()), new Arg.Buf(dEmissions().buffer(), Access.WRITE),
        new Arg.Grad(transitions()), new Arg.LossScale(loss()));
  }

  @Override
  default List<Value> inputs() {
    return List.of(emissions());
  }

  @Override
  default List<Value> outputs() {
    return List.of(dEmissions());
  }

  @Override
  default List<Buffer> saved() {
    return List.of();
  }

  @Override
  default void backward(Gradients gradients) {
    gradients.seed(emissions(), dEmissions().buffer());
  }
}
