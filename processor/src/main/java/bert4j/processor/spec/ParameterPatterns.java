package bert4j.processor.spec;

import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import javax.annotation.processing.Messager;
import javax.tools.Diagnostic;

/**
 * Checks an optimizer's parameter-name patterns (weight decay and layer adaptation excludes,
 * AdaFactor's excludeFromParameterScale, lazy includes, multipliers) against the planned model's
 * parameter names. A pattern that matches no parameter is almost always a typo that would silently
 * change nothing, so it is a compile error on the value that holds it, naming the parameters whose
 * names come closest. It runs on the plan because the names depend on the whole spec (layers,
 * heads).
 */
public final class ParameterPatterns {
  private static final int SUGGESTIONS = 3;

  private ParameterPatterns() {}

  /**
   * Reports each pattern of {@code spec} that matches none of {@code parameterNames} (Hugging Face
   * names without {@code bert.}) as an error on its value; true when every pattern matches.
   */
  public static boolean check(OptimizerSpec spec, List<String> parameterNames, Messager messager) {
    boolean ok = true;
    for (OptimizerSpec.NamePattern pattern : spec.patterns()) {
      Predicate<String> matches = pattern.substring() ? name -> name.contains(pattern.text())
          : Pattern.compile(pattern.text()).asPredicate();
      if (parameterNames.stream().noneMatch(matches)) {
        ok = false;
        String message = pattern.what() + " pattern '" + pattern.text() + "' matches no parameter"
            + (pattern.substring() ? " (a plain substring, not a regular expression)" : "");
        List<String> closest = closest(pattern.text(), parameterNames);
        if (!closest.isEmpty()) {
          message += "; closest: " + String.join(", ", closest);
        }
        messager.printMessage(Diagnostic.Kind.ERROR, message, pattern.element(),
            pattern.annotation(), pattern.value());
      }
    }
    return ok;
  }

  /** Up to {@value #SUGGESTIONS} names nearest {@code text}, nearest first, ties in model order. */
  private static List<String> closest(String text, List<String> names) {
    record Scored(String name, int distance) {}
    return names.stream().distinct()
        .map(name -> new Scored(name, distance(text, name)))
        .sorted(Comparator.comparingInt(Scored::distance))
        .limit(SUGGESTIONS)
        .map(Scored::name)
        .toList();
  }

  /**
   * The smallest edit distance from {@code text} to a run of consecutive dot-separated components
   * of {@code name}: one component ("LayerNorm"), several ("output.LayerNorm") or the whole name.
   */
  private static int distance(String text, String name) {
    String[] parts = name.split("\\.");
    int best = Integer.MAX_VALUE;
    for (int from = 0; from < parts.length; from++) {
      StringBuilder run = new StringBuilder(parts[from]);
      best = Math.min(best, levenshtein(text, run));
      for (int to = from + 1; to < parts.length; to++) {
        run.append('.').append(parts[to]);
        best = Math.min(best, levenshtein(text, run));
      }
    }
    return best;
  }

  /** Insertions, deletions and substitutions that turn {@code a} into {@code b}. */
  private static int levenshtein(CharSequence a, CharSequence b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
