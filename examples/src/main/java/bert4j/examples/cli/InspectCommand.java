package bert4j.examples.cli;

import bert4j.runtime.io.Checkpoints;
import bert4j.runtime.io.TensorSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;

/** {@code bert4j inspect}: every tensor of a checkpoint, any format, with its dtype and shape. */
final class InspectCommand {
  private InspectCommand() {}

  static int run(String[] args, PrintStream out) throws IOException {
    if (args.length != 1) {
      throw new UsageException("inspect takes one checkpoint");
    }
    try (TensorSource source = Checkpoints.open(Path.of(args[0]))) {
      out.println(source.path() + ": " + source.names().size() + " tensors");
      for (String name : source.names()) {
        out.println(name + "\t" + source.typeName(name) + "\t" + Arrays.toString(source.shape(name)));
      }
      source.metadata().forEach((k, v) -> out.println("metadata " + k + " = " + v));
    }
    return 0;
  }
}
