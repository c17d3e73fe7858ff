package bert4j.examples.tasks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line arguments of the generation examples: {@code --name=value} options out of a fixed set,
 * and the other arguments in order (texts to generate from). A misspelt option or a number that does
 * not parse is an {@link IllegalArgumentException} naming it.
 */
final class ExampleArgs {
  private final Map<String, String> options = new LinkedHashMap<>();
  private final List<String> texts = new ArrayList<>();

  ExampleArgs(String[] args, Set<String> known) {
    for (String arg : args) {
      if (!arg.startsWith("--")) {
        texts.add(arg);
        continue;
      }
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
      if (eq < 0 || !known.contains(name)) {
        throw new IllegalArgumentException("unknown option " + arg + ": the options are --NAME=VALUE "
            + "with NAME one of " + known);
      }
      options.put(name, arg.substring(eq + 1));
    }
  }

  /** The option's value, or null when not given. */
  String text(String name) {
    return options.get(name);
  }

  int integer(String name, int defaultValue) {
    String value = options.get(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + "=" + value + " is not an integer");
    }
  }

  /** The arguments that are not options, in order. */
  List<String> texts() {
    return texts;
  }
}
