package bert4j.examples.cli;

import bert4j.dsl.Architecture;
import bert4j.runtime.config.HfConfig;
import bert4j.runtime.config.ModelConfig;
import bert4j.runtime.config.SpecSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code bert4j spec}: the annotated interface for a checkpoint's {@code config.json} (or Google's
 * {@code bert_config.json}), printed or written to {@code --out} (never over an existing file).
 */
final class SpecCommand {
  private SpecCommand() {}

  static int run(String[] args, PrintStream out) throws IOException {
    Path config = null;
    String name = null;
    Architecture architecture = null;
    boolean pooler = false;
    boolean mlm = false;
    int classes = 0;
    int tokenClasses = 0;
    double learningRate = Double.NaN;
    Path target = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--name" -> name = value(args, ++i, "--name");
        case "--architecture" -> architecture = architecture(value(args, ++i, "--architecture"));
        case "--pooler" -> pooler = true;
        case "--mlm" -> mlm = true;
        case "--classes" -> classes = whole(value(args, ++i, "--classes"), "--classes");
        case "--token-classes" -> tokenClasses = whole(value(args, ++i, "--token-classes"),
            "--token-classes");
        case "--learning-rate" -> learningRate = number(value(args, ++i, "--learning-rate"));
        case "--out" -> target = Path.of(value(args, ++i, "--out"));
        default -> {
          if (args[i].startsWith("--") || config != null) {
            throw new UsageException("spec: unexpected argument '" + args[i] + "'");
          }
          config = Path.of(args[i]);
        }
      }
    }
    if (config == null || name == null) {
      throw new UsageException("spec needs a config file and --name");
    }
    ModelConfig model = HfConfig.read(config).toModelConfig(architecture);
    String source = SpecSource.of(name, model,
        new SpecSource.Options(pooler, mlm, classes, tokenClasses, learningRate),
        config.getFileName().toString());
    if (target == null) {
      out.print(source);
    } else {
      try {
        Files.writeString(target, source, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (FileAlreadyExistsException e) {
        throw new IOException(target + " exists; bert4j spec does not overwrite a file");
      }
      out.println("wrote " + target);
    }
    return 0;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new UsageException(option + " needs a value");
    }
    return args[i];
  }

  private static Architecture architecture(String text) {
    try {
      return Architecture.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--architecture " + text + " is none of "
          + Arrays.toString(Architecture.values()));
    }
  }

  private static int whole(String text, String option) {
    try {
      int n = Integer.parseInt(text);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(option + " " + text + " is not a whole number >= 0");
  }

  private static double number(String text) {
    try {
      double v = Double.parseDouble(text);
      if (v > 0 && Double.isFinite(v)) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("--learning-rate " + text + " is not a positive number");
  }
}
