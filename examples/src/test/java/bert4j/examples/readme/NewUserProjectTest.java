package bert4j.examples.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Use it in your project" section, followed verbatim in a fresh directory outside the
 * repository: every file it shows is written as shown, and its command ({@code mvn -q compile
 * exec:java}, here batch-mode and offline) must build the project against the bert4j artifacts this
 * build installed, train one step and print the logits. Runs under the README's test command
 * ({@code mvn -B install}), where the modules before this one are installed first.
 */
class NewUserProjectTest {
  private static final Pattern FILE = Pattern.compile(
      "`([^`\\n]+)`[^\\n]*:\\n\\n```[a-z]*\\n(.*?)```", Pattern.DOTALL);

  @TempDir
  Path project;

  @Test
  void theReadmeProjectBuildsTrainsAndPredicts() throws IOException, InterruptedException {
    String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
    int start = readme.indexOf("## Use it in your project");
    int end = readme.indexOf("\n## ", start + 1);
    assertTrue(start >= 0, "the README has its new-user section");
    Map<String, String> files = new LinkedHashMap<>();
    Matcher m = FILE.matcher(readme.substring(start, end));
    while (m.find()) {
      files.put(m.group(1), m.group(2));
    }
    assertEquals(List.of("pom.xml", "src/main/java/com/acme/ReviewModel.java",
        "src/main/java/com/acme/Main.java", ".mvn/maven.config"), List.copyOf(files.keySet()));
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path file = project.resolve(f.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, f.getValue(), StandardCharsets.UTF_8);
    }
    Path log = project.resolve("build.log");
    Process mvn = new ProcessBuilder("mvn", "-B", "-o", "-q", "compile", "exec:java")
        .directory(project.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(mvn.waitFor(5, TimeUnit.MINUTES), "the build finishes in 5 minutes");
    String output = Files.readString(log);
    assertEquals(0, mvn.exitValue(), "mvn compile exec:java in the README's project:\n" + output);
    assertTrue(output.matches("(?s).*loss \\d+\\.\\d{4}, first review's logits .*"), output);
  }
}
