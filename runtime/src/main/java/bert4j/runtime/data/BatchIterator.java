package bert4j.runtime.data;

import bert4j.runtime.Batch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The batches of one pass (epoch) over a list of samples, padded and ready for a generated model: the
 * Java counterpart of a bert4keras {@code DataGenerator}. Token ids and segment ids are padded with 0
 * (the [PAD] id of BERT vocabularies), token labels with −1, to the longest sample of the batch or to a
 * fixed length.
 *
 * <p>With {@link Builder#shuffle(long) shuffle}, each epoch visits the samples in its own order, which
 * the seed and the epoch number fix. With {@link Builder#groupByLength(int) groupByLength}, samples of
 * similar length share a batch, so less of each batch is padding: the (shuffled) order is cut into
 * windows of {@code batchSize × window} samples, each window is sorted by length and cut into batches,
 * and then, when shuffling, the order of the batches is shuffled too.
 *
 * <p>A batch has class labels when all its samples have one, and token labels when all have them;
 * samples that mix the two kinds (some labelled, some not) are an error.
 */
public final class BatchIterator implements Iterator<Batch> {
  private final List<Sample> samples;
  private final int[][] batches;
  private final int padTo;
  private int next;

  private BatchIterator(List<Sample> samples, int[][] batches, int padTo) {
    this.samples = samples;
    this.batches = batches;
    this.padTo = padTo;
  }

  /** Options for batches over {@code samples}: 32 per batch, in order, padded to the batch's longest. */
  public static Builder over(List<Sample> samples) {
    if (samples == null) {
      throw new IllegalArgumentException("samples are null");
    }
    for (int i = 0; i < samples.size(); i++) {
      if (samples.get(i) == null) {
        throw new IllegalArgumentException("sample " + i + " is null");
      }
    }
    List<Sample> copy = List.copyOf(samples);
    checkLabels(copy);
    return new Builder(copy);
  }

  /** Options of a {@link BatchIterator}; one builder gives the iterator of any epoch. */
  public static final class Builder {
    private final List<Sample> samples;
    private int batchSize = 32;
    private boolean shuffle;
    private long seed;
    private int window;
    private int padTo;
    private boolean dropRemainder;

    private Builder(List<Sample> samples) {
      this.samples = samples;
    }

    /** Samples per batch (default 32). */
    public Builder batchSize(int batchSize) {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /** Shuffles every epoch in an order fixed by {@code seed} and the epoch number. */
    public Builder shuffle(long seed) {
      this.shuffle = true;
      this.seed = seed;
      return this;
    }

    /**
     * Groups samples of similar length into batches, sorting windows of {@code window} batches' worth
     * of samples by length (0 turns grouping off).
     */
    public Builder groupByLength(int window) {
      if (window < 0) {
        throw new IllegalArgumentException("grouping window must be >= 0 batches, got " + window);
      }
      this.window = window;
      return this;
    }

    /** Pads every batch to {@code length} tokens instead of to its longest sample (0: longest). */
    public Builder padTo(int length) {
      if (length < 0) {
        throw new IllegalArgumentException("pad length must be >= 0, got " + length);
      }
      for (int i = 0; i < samples.size(); i++) {
        if (length > 0 && samples.get(i).length() > length) {
          throw new IllegalArgumentException("sample " + i + " has " + samples.get(i).length()
              + " tokens, more than the pad length " + length + " (encode with a maxLen)");
        }
      }
      this.padTo = length;
      return this;
    }

    /** Leaves out the last batch of an epoch when it is smaller than the batch size. */
    public Builder dropRemainder(boolean dropRemainder) {
      this.dropRemainder = dropRemainder;
      return this;
    }

    /** Batches in one epoch. */
    public int steps() {
      int n = samples.size();
      return dropRemainder ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The batches of epoch {@code epoch} (0, 1, …). */
    public BatchIterator epoch(int epoch) {
      if (epoch < 0) {
        throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
      }
      SplittableRandom random = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1)));
      int n = samples.size();
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      if (shuffle) {
        shuffle(order, random);
      }
      if (window > 0) {
        int span = batchSize * window;
        for (int from = 0; from < n; from += span) {
          Arrays.sort(order, from, Math.min(n, from + span),
              (a, b) -> Integer.compare(samples.get(a).length(), samples.get(b).length()));
        }
      }
      int[][] batches = new int[steps()][];
      for (int b = 0; b < batches.length; b++) {
        int from = b * batchSize;
        int size = Math.min(batchSize, n - from);
        batches[b] = new int[size];
        for (int i = 0; i < size; i++) {
          batches[b][i] = order[from + i];
        }
      }
      if (shuffle && window > 0) {
        shuffle(batches, random);
      }
      return new BatchIterator(samples, batches, padTo);
    }

    private static <T> void shuffle(T[] array, SplittableRandom random) {
      for (int i = array.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        T t = array[i];
        array[i] = array[j];
        array[j] = t;
      }
    }
  }

  /** Batches left in this epoch. */
  public int remaining() {
    return batches.length - next;
  }

  @Override
  public boolean hasNext() {
    return next < batches.length;
  }

  @Override
  public Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the epoch has no more batches");
    }
    int[] members = batches[next++];
    List<int[]> tokens = new ArrayList<>(members.length);
    List<int[]> segments = new ArrayList<>(members.length);
    List<int[]> tokenLabels = new ArrayList<>(members.length);
    int[] labels = new int[members.length];
    int length = 0;
    for (int i = 0; i < members.length; i++) {
      Sample sample = samples.get(members[i]);
      tokens.add(sample.tokenIds());
      segments.add(sample.segmentIds());
      tokenLabels.add(sample.tokenLabels());
      labels[i] = sample.label();
      length = Math.max(length, sample.length());
    }
    if (padTo > 0) {
      length = padTo;
    }
    Sample first = samples.get(members[0]);
    return new Batch(
        SequencePadding.pad(tokens, length, 0, SequencePadding.Mode.POST),
        SequencePadding.pad(segments, length, 0, SequencePadding.Mode.POST),
        first.hasLabel() ? labels : null,
        first.tokenLabels() != null
            ? SequencePadding.pad(tokenLabels, length, -1, SequencePadding.Mode.POST) : null,
        null, first.spans() == null ? null : spans(members, first.spans().keySet()));
  }

  /** Each span head's targets of the members, sequence by sequence. */
  private Map<String, int[][][]> spans(int[] members, Set<String> heads) {
    Map<String, int[][][]> spans = new HashMap<>();
    for (String head : heads) {
      int[][][] rows = new int[members.length][][];
      for (int i = 0; i < members.length; i++) {
        rows[i] = samples.get(members[i]).spans().get(head);
      }
      spans.put(head, rows);
    }
    return spans;
  }

  private static void checkLabels(List<Sample> samples) {
    for (int i = 1; i < samples.size(); i++) {
      Sample a = samples.get(0);
      Sample b = samples.get(i);
      if (a.hasLabel() != b.hasLabel()) {
        throw new IllegalArgumentException("sample 0 " + (a.hasLabel() ? "has" : "has no")
            + " class label but sample " + i + (b.hasLabel() ? " has one" : " has none"));
      }
      if ((a.tokenLabels() == null) != (b.tokenLabels() == null)) {
        throw new IllegalArgumentException("sample 0 " + (a.tokenLabels() != null ? "has" : "has no")
            + " token labels but sample " + i + (b.tokenLabels() != null ? " has them" : " has none"));
      }
      Set<String> aSpans = a.spans() == null ? null : a.spans().keySet();
      Set<String> bSpans = b.spans() == null ? null : b.spans().keySet();
      if (!Objects.equals(aSpans, bSpans)) {
        throw new IllegalArgumentException("sample 0 has spans for " + aSpans + " but sample " + i
            + " for " + bSpans);
      }
    }
  }
}
