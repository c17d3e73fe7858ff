package bert4j.examples.tasks;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus-level BLEU-4 over characters (Papineni et al.): the clipped n-gram precisions for n = 1..4,
 * each summed over the whole corpus, their geometric mean, times the brevity penalty
 * exp(1 − reference length / output length) when the outputs are shorter in all. One reference per
 * output; 0 when some n has no match.
 */
final class CharBleu {
  private static final int MAX_N = 4;
  private final long[] matches = new long[MAX_N];
  private final long[] totals = new long[MAX_N];
  private long outputLength;
  private long referenceLength;

  /** Adds one output and its reference, both as lists of characters. */
  void add(List<String> output, List<String> reference) {
    outputLength += output.size();
    referenceLength += reference.size();
    for (int n = 1; n <= MAX_N; n++) {
      Map<List<String>, Integer> referenceCounts = ngrams(reference, n);
      for (Map.Entry<List<String>, Integer> e : ngrams(output, n).entrySet()) {
        matches[n - 1] += Math.min(e.getValue(), referenceCounts.getOrDefault(e.getKey(), 0));
      }
      totals[n - 1] += Math.max(0, output.size() - n + 1);
    }
  }

  /** BLEU-4 of everything added, in [0, 1]. */
  double score() {
    double logSum = 0;
    for (int n = 0; n < MAX_N; n++) {
      if (matches[n] == 0) {
        return 0;
      }
      logSum += Math.log((double) matches[n] / totals[n]);
    }
    double brevity = outputLength >= referenceLength ? 1
        : Math.exp(1 - (double) referenceLength / outputLength);
    return brevity * Math.exp(logSum / MAX_N);
  }

  private static Map<List<String>, Integer> ngrams(List<String> chars, int n) {
    Map<List<String>, Integer> counts = new HashMap<>();
    for (int i = 0; i + n <= chars.size(); i++) {
      counts.merge(List.copyOf(chars.subList(i, i + n)), 1, Integer::sum);
    }
    return counts;
  }
}
