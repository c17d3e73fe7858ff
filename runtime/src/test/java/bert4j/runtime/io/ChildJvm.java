package bert4j.runtime.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a {@code main} of the test classes in a second JVM, for what one JVM cannot show about itself. */
final class ChildJvm {
  private ChildJvm() {}

  /** {@code java <jvmOptions> -cp <this test's class path> <main> <args>}, stderr merged into stdout. */
  static Process start(List<String> jvmOptions, Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }
}
