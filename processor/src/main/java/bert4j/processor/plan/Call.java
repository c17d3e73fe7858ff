package bert4j.processor.plan;

import java.util.List;

/**
 * One kernel call of the forward or backward pass: the {@code Kernels} method, its arguments, and a
 * comment for the reader of the generated code. {@code trainingOnly} calls (dropout) run in training
 * mode only. A call with a {@code lossScale} returns a loss sum that the forward adds to the loss after
 * multiplying by the named host value.
 */
public record Call(String kernel, List<Arg> args, String comment, boolean trainingOnly,
    String lossScale) {
  public Call {
    args = List.copyOf(args);
  }

  /** The buffers this call touches. */
  public List<Buffer> buffers() {
    return args.stream().filter(a -> a instanceof Arg.Buf).map(a -> ((Arg.Buf) a).buffer()).toList();
  }
}
