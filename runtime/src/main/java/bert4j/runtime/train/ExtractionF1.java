package bert4j.runtime.train;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Precision, recall and F1 of extracted items ({@link Span entity spans}, {@link Triple relation
 * triples}, or any value type with equals), counted as the CoNLL and bert4keras evaluators count
 * them: per example, the predicted set against the gold set, an item correct only when it matches
 * exactly; the counts summed over examples, then precision = correct / predicted, recall = correct
 * / gold, F1 = 2·correct / (predicted + gold). Duplicates within one example count once.
 */
public final class ExtractionF1<T> {
  private long correct;
  private long predicted;
  private long gold;

  /** Counts one example: what was predicted and what is gold. */
  public void add(Collection<? extends T> predicted, Collection<? extends T> gold) {
    Set<T> found = new HashSet<>(predicted);
    Set<T> expected = new HashSet<>(gold);
    this.predicted += found.size();
    this.gold += expected.size();
    found.retainAll(expected);
    correct += found.size();
  }

  /** Predicted items that are gold, summed over examples. */
  public long correct() {
    return correct;
  }

  /** Predicted items, summed over examples. */
  public long predicted() {
    return predicted;
  }

  /** Gold items, summed over examples. */
  public long gold() {
    return gold;
  }

  /** correct / predicted; 0 when nothing was predicted (as conlleval). */
  public double precision() {
    return predicted == 0 ? 0 : (double) correct / predicted;
  }

  /** correct / gold; 0 when nothing is gold. */
  public double recall() {
    return gold == 0 ? 0 : (double) correct / gold;
  }

  /** 2·correct / (predicted + gold): the harmonic mean of precision and recall (0 if both are). */
  public double f1() {
    return predicted + gold == 0 ? 0 : 2.0 * correct / (predicted + gold);
  }

  /**
   * The three as an {@link Evaluation}'s metrics: {@code <prefix>f1}, {@code <prefix>precision},
   * {@code <prefix>recall} (e.g. prefix {@code val_}).
   */
  public Map<String, Double> metrics(String prefix) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put(prefix + "f1", f1());
    metrics.put(prefix + "precision", precision());
    metrics.put(prefix + "recall", recall());
    return metrics;
  }
}
