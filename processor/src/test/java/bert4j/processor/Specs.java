package bert4j.processor;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.Compiler;
import com.google.testing.compile.JavaFileObjects;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaFileObject;

/**
 * Test sources for compile-testing: a spec in package {@code test} with {@code bert4j.dsl.*} imported,
 * and the line of a fragment in it, so that a test names the offending text instead of a line number.
 */
final class Specs {
  private Specs() {}

  /** Line 1 is the package, line 2 the import; {@code lines} start at line 3. */
  static JavaFileObject source(String simpleName, String... lines) {
    List<String> all = new ArrayList<>();
    all.add("package test;");
    all.add("import bert4j.dsl.*;");
    all.addAll(List.of(lines));
    return JavaFileObjects.forSourceString("test." + simpleName, String.join("\n", all) + "\n");
  }

  /** The 1-based line of the only line of {@code source} that contains {@code fragment}. */
  static long lineOf(JavaFileObject source, String fragment) {
    String[] lines;
    try {
      lines = source.getCharContent(true).toString().split("\n", -1);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    long found = -1;
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].contains(fragment)) {
        if (found >= 0) {
          throw new IllegalArgumentException("'" + fragment + "' is on lines " + found + " and "
              + (i + 1) + "; pick a fragment that names one line");
        }
        found = i + 1;
      }
    }
    if (found < 0) {
      throw new IllegalArgumentException("'" + fragment + "' is not in the source");
    }
    return found;
  }

  /** Compiles {@code sources} with the bert4j processor (and the runtime on the class path). */
  static Compilation compile(JavaFileObject... sources) {
    return Compiler.javac().withProcessors(new TransformerProcessor()).compile(sources);
  }
}
