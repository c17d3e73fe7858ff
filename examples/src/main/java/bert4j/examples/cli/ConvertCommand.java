package bert4j.examples.cli;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.io.Checkpoints;
import bert4j.runtime.io.SafeTensorsWriter;
import bert4j.runtime.io.TensorSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code bert4j convert}: a checkpoint of any format to safetensors, every floating-point tensor as
 * float32 under the name the source gives it (others are listed and skipped), with progress.
 */
final class ConvertCommand {
  private ConvertCommand() {}

  static int run(String[] args, PrintStream out) throws IOException {
    if (args.length != 2 || !args[1].endsWith(".safetensors")) {
      throw new UsageException("convert takes a checkpoint and an OUT.safetensors");
    }
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    try (TensorSource source = Checkpoints.open(Path.of(args[0]))) {
      int total = source.names().size();
      int done = 0;
      for (String name : source.names()) {
        done++;
        if (!source.readsAsFloat(name)) {
          out.println("skipped " + name + " (" + source.typeName(name) + ")");
          continue;
        }
        tensors.put(name, source.read(name));
        if (done % 20 == 0 || done == total) {
          out.printf("read %d/%d tensors%n", done, total);
        }
      }
    }
    SafeTensorsWriter.write(Path.of(args[1]), tensors, Map.of("format", "pt"));
    out.println("wrote " + tensors.size() + " tensors to " + args[1]);
    return 0;
  }
}
