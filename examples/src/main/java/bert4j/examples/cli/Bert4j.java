package bert4j.examples.cli;

import bert4j.examples.ComputeOutputs;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code bert4j} command line: one entry for the tools around checkpoints and specs.
 *
 * <pre>
 * bert4j spec CONFIG.json --name com.acme.Model [--architecture A] [--pooler] [--mlm]
 *             [--classes N] [--token-classes N] [--learning-rate R] [--out FILE.java]
 * bert4j inspect CHECKPOINT            (safetensors, pytorch_model.bin, a TF checkpoint, shards)
 * bert4j convert CHECKPOINT OUT.safetensors
 * bert4j compute-outputs SPEC WEIGHTS INPUT.json OUTPUTS.safetensors
 * </pre>
 *
 * Run with {@code mvn -q -f examples/pom.xml exec:java -Dexec.mainClass=bert4j.examples.cli.Bert4j
 * -Dexec.args="..."}. Failures are one line {@code error: ...} on standard error naming the file or
 * value at fault; exit status 0 on success, 1 for a wrong input, 2 for a wrong command line, 3 for
 * anything else.
 */
public final class Bert4j {
  static final int INPUT_ERROR = 1;
  static final int USAGE_ERROR = 2;
  static final int INTERNAL_ERROR = 3;
  static final String USAGE = String.join("\n",
      "usage: bert4j spec CONFIG.json --name com.acme.Model [--architecture A] [--pooler] [--mlm]",
      "                  [--classes N] [--token-classes N] [--learning-rate R] [--out FILE.java]",
      "       bert4j inspect CHECKPOINT",
      "       bert4j convert CHECKPOINT OUT.safetensors",
      "       bert4j compute-outputs SPEC WEIGHTS INPUT.json OUTPUTS.safetensors");

  private Bert4j() {}

  public static void main(String[] args) {
    int status = execute(args, System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** Runs {@code args}, reporting on {@code out} and {@code err}; returns the exit status. */
  public static int execute(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      err.println("error: no command; " + USAGE);
      return USAGE_ERROR;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      return switch (args[0]) {
        case "spec" -> SpecCommand.run(rest, out);
        case "inspect" -> InspectCommand.run(rest, out);
        case "convert" -> ConvertCommand.run(rest, out);
        case "compute-outputs" -> ComputeOutputs.execute(rest, out, err);
        default -> {
          err.println("error: unknown command '" + args[0] + "'; " + USAGE);
          yield USAGE_ERROR;
        }
      };
    } catch (UsageException e) {
      err.println("error: " + e.getMessage() + "\n" + USAGE);
      return USAGE_ERROR;
    } catch (IOException | IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return INPUT_ERROR;
    } catch (RuntimeException e) {
      err.println("error: " + e);
      return INTERNAL_ERROR;
    }
  }
}
