package bert4j.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * What a load did: the parameters it {@code loaded} from {@code source}, those the checkpoint lacked
 * and that kept their initialisation ({@code initialised}: heads a pretrained encoder has not got),
 * and the checkpoint's tensors the model did not use ({@code unused}), each by name.
 */
public record LoadReport(Path source, List<String> loaded, List<String> initialised,
    List<String> unused) {
  private static final int NAMED = 8;

  public LoadReport {
    loaded = List.copyOf(loaded);
    initialised = List.copyOf(initialised);
    unused = List.copyOf(unused);
  }

  /** Whether model and checkpoint matched exactly. */
  public boolean complete() {
    return initialised.isEmpty() && unused.isEmpty();
  }

  /** One line: the counts, and the first names of what was initialised or unused. */
  public String summary() {
    return source + ": loaded " + loaded.size() + " tensor(s)"
        + (initialised.isEmpty() ? "" : "; initialised " + initialised.size() + " the checkpoint lacks: "
            + named(initialised))
        + (unused.isEmpty() ? "" : "; " + unused.size() + " unused: " + named(unused));
  }

  private static String named(List<String> names) {
    return String.join(", ", names.subList(0, Math.min(NAMED, names.size())))
        + (names.size() > NAMED ? ", ..." : "");
  }
}
