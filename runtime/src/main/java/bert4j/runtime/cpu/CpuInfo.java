package bert4j.runtime.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the machine's first CPU says of itself in {@code /proc/cpuinfo}: vendor, model name and
 * instruction-set flags. Kernels are chosen by these ({@link OpenBlasCore}) and benchmarks print them.
 * Empty (null vendor and model, no flags) where there is no {@code /proc/cpuinfo}.
 */
public record CpuInfo(String vendor, String modelName, Set<String> flags) {
  private static final Path CPUINFO = Path.of("/proc/cpuinfo");

  public CpuInfo {
    flags = Set.copyOf(flags);
  }

  /** This machine's. */
  public static CpuInfo read() {
    try {
      return parse(Files.readAllLines(CPUINFO));
    } catch (IOException | SecurityException e) {
      return new CpuInfo(null, null, Set.of());
    }
  }

  /** From the lines of a {@code /proc/cpuinfo}; the first occurrence of each field counts. */
  static CpuInfo parse(List<String> lines) {
    String flagLine = field(lines, "flags");
    Set<String> flags = new TreeSet<>();
    if (flagLine != null && !flagLine.isBlank()) {
      flags.addAll(List.of(flagLine.trim().split("\\s+")));
    }
    return new CpuInfo(field(lines, "vendor_id"), field(lines, "model name"), flags);
  }

  /** The model name, or the JVM's architecture name where there is none. */
  public String name() {
    return modelName != null ? modelName : System.getProperty("os.arch");
  }

  /** The flags starting with any of the prefixes, sorted, space-separated (e.g. "avx512", "amx"). */
  public String flagsStartingWith(String... prefixes) {
    TreeSet<String> chosen = new TreeSet<>();
    for (String flag : flags) {
      for (String prefix : prefixes) {
        if (flag.startsWith(prefix)) {
          chosen.add(flag);
        }
      }
    }
    return String.join(" ", chosen);
  }

  private static String field(List<String> lines, String name) {
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }
}
