package bert4j.runtime.model;

import bert4j.runtime.Batch;
import java.util.List;
import java.util.Map;

/**
 * The host-side inputs of one call, flattened into arrays allocated once for the model's maximum batch
 * and length: token, segment and position ids, the targets of each loss (given labels, or the next
 * tokens), and the loss scales (1 / number of counted targets). {@link #stage} checks the batch and
 * fails with a message naming the offending row and value.
 */
final class BatchInputs {
  final int[] tokenIds;
  final int[] segmentIds;
  final int[] positionIds;
  /** An encoder–decoder's decoder ids (empty otherwise), padded to the encoder's length. */
  final int[] decoderIds;
  /** 1 at every decoder position: the decoder's keys are masked causally, never as padding. */
  final int[] decoderKeyIds;
  /** The batch's conditions, row after row ({@code conditionSize} floats per sequence). */
  final float[] conditions;
  /** The targets of each loss of the layout, by index: one per token or one per sequence. */
  final int[][] targets;
  /** Each loss's scale: 1 / its counted targets (0 when none counts). */
  final float[] lossScales;
  /** Size of the staged batch; 0 when none is staged (or the last one failed its checks). */
  int batch;
  int seq;

  private final ModelLayout layout;
  private final int maxBatch;
  private final int maxLength;

  BatchInputs(ModelLayout layout, int maxBatch, int maxLength) {
    this.layout = layout;
    this.maxBatch = maxBatch;
    this.maxLength = maxLength;
    int maxTokens = maxBatch * maxLength;
    tokenIds = new int[maxTokens];
    segmentIds = new int[maxTokens];
    positionIds = new int[maxTokens];
    boolean seq2seq = layout.architecture().encoderDecoder();
    decoderIds = new int[seq2seq ? maxTokens : 0];
    decoderKeyIds = new int[seq2seq ? maxTokens : 0];
    java.util.Arrays.fill(decoderKeyIds, 1);
    conditions = new float[maxBatch * layout.conditionSize()];
    List<LossTarget> losses = layout.losses();
    targets = new int[losses.size()][];
    for (int i = 0; i < targets.length; i++) {
      LossTarget.Kind kind = losses.get(i).kind();
      targets[i] = new int[kind == LossTarget.Kind.SPANS ? 0 : kind.perToken() ? maxTokens : maxBatch];
    }
    lossScales = new float[losses.size()];
  }

  /** Checks and copies {@code input}; with {@code training}, also the targets of every loss. */
  void stage(Batch input, boolean training) {
    batch = 0;
    if (layout.architecture().encoderDecoder()) {
      input = Seq2SeqPadding.padded(input, layout.specName());
    } else if (input.decoderIds() != null) {
      throw new IllegalArgumentException("the batch has decoder ids, but " + layout.specName()
          + " has no decoder (an encoder–decoder architecture: T5, T5_1_1)");
    }
    int[][] tokens = input.tokenIds();
    int[][] segments = input.segmentIds();
    if (tokens.length == 0) {
      throw new IllegalArgumentException("the batch is empty");
    }
    if (tokens.length > maxBatch) {
      throw new IllegalArgumentException("batch of " + tokens.length
          + " sequences exceeds this model's maxBatch " + maxBatch);
    }
    if (segments.length != tokens.length) {
      throw new IllegalArgumentException("segmentIds has " + segments.length
          + " rows, tokenIds has " + tokens.length);
    }
    int length = rowLength(tokens, 0, "tokenIds");
    if (length == 0) {
      throw new IllegalArgumentException("sequences of length 0: every row needs at least one token");
    }
    if (length > maxLength) {
      throw new IllegalArgumentException("sequence length " + length + " exceeds maxLength "
          + maxLength + " of this model (maxPosition " + layout.maxPosition() + ")");
    }
    for (int b = 0; b < tokens.length; b++) {
      if (rowLength(tokens, b, "tokenIds") != length) {
        throw new IllegalArgumentException("tokenIds row " + b + " has " + tokens[b].length
            + " tokens, row 0 has " + length + ": pad the batch to one length");
      }
      if (rowLength(segments, b, "segmentIds") != length) {
        throw new IllegalArgumentException("segmentIds row " + b + " has " + segments[b].length
            + " ids, tokenIds row " + b + " has " + length);
      }
      for (int i = 0; i < length; i++) {
        int token = tokens[b][i];
        int segment = segments[b][i];
        if (token < 0 || token >= layout.vocab()) {
          throw new IllegalArgumentException("token id " + token + " at [" + b + "][" + i
              + "] is outside the vocabulary [0, " + layout.vocab() + ")");
        }
        if (segment < 0 || segment >= Math.max(1, layout.segments())) {
          throw new IllegalArgumentException("segment id " + segment + " at [" + b + "][" + i
              + "] is outside [0, " + layout.segments() + ")"
              + (layout.segments() == 0 ? ": this model has no segment embedding, leave them 0" : ""));
        }
        int r = b * length + i;
        if (decoderIds.length > 0) {
          int decoder = input.decoderIds()[b][i];
          if (decoder < 0 || decoder >= layout.vocab()) {
            throw new IllegalArgumentException("decoder id " + decoder + " at [" + b + "][" + i
                + "] is outside the vocabulary [0, " + layout.vocab() + ")");
          }
          decoderIds[r] = decoder;
        }
        tokenIds[r] = token;
        segmentIds[r] = segment;
        positionIds[r] = i;
      }
    }
    stageConditions(input.conditions(), tokens.length);
    batch = tokens.length;
    seq = length;
    if (training) {
      try {
        stageTargets(input);
      } catch (RuntimeException e) {
        batch = 0;
        throw e;
      }
    }
  }

  private void stageConditions(float[][] given, int size) {
    int width = layout.conditionSize();
    if (width == 0) {
      if (given != null) {
        throw new IllegalArgumentException("the batch has conditions, but " + layout.specName()
            + " has no conditional layer norms (@Transformer(conditionSize = N))");
      }
      return;
    }
    if (given == null || given.length != size) {
      throw new IllegalArgumentException(layout.specName() + " has conditional layer norms: the batch "
          + "needs one condition of " + width + " floats per sequence (Batch.withConditions), got "
          + (given == null ? "none" : given.length + " for " + size + " sequences"));
    }
    for (int b = 0; b < size; b++) {
      if (given[b] == null || given[b].length != width) {
        throw new IllegalArgumentException("condition " + b + " has "
            + (given[b] == null ? "no values" : given[b].length + " values") + ", "
            + layout.specName() + " takes " + width);
      }
      for (int i = 0; i < width; i++) {
        if (!Float.isFinite(given[b][i])) {
          throw new IllegalArgumentException("condition " + b + " has " + given[b][i] + " at " + i);
        }
      }
      System.arraycopy(given[b], 0, conditions, b * width, width);
    }
  }

  private void stageTargets(Batch input) {
    List<LossTarget> losses = layout.losses();
    if (losses.isEmpty()) {
      throw new IllegalStateException(layout.specName() + " has no head with a loss: declare "
          + "@Heads(mlm = true), @Heads(classes = N) or @Heads(tokenClasses = N) to train it");
    }
    for (int i = 0; i < losses.size(); i++) {
      LossTarget loss = losses.get(i);
      int counted = switch (loss.kind()) {
        case SEQUENCE_LABELS -> sequenceLabels(loss, input.labels(), targets[i]);
        case TOKEN_LABELS -> tokenLabels(loss, input.tokenLabels(), targets[i]);
        case NEXT_TOKEN -> nextTokenTargets(false, targets[i]);
        case NEXT_TARGET_TOKEN -> nextTokenTargets(true, targets[i]);
        case TAG_PATHS -> tagPaths(loss, input.tokenLabels(), targets[i]);
        case SPANS -> spans(loss, input.spans(), i);
      };
      lossScales[i] = counted == 0 ? 0f : 1f / counted;
    }
  }

  private int sequenceLabels(LossTarget loss, int[] given, int[] into) {
    if (given == null) {
      throw new IllegalArgumentException("training " + loss.head() + " of " + layout.specName()
          + " needs a class label per sequence: use Batch.withLabels");
    }
    if (given.length != batch) {
      throw new IllegalArgumentException(given.length + " labels for a batch of " + batch);
    }
    for (int b = 0; b < batch; b++) {
      if (given[b] < 0 || given[b] >= loss.classes()) {
        throw new IllegalArgumentException("label " + given[b] + " of sequence " + b
            + " is outside [0, " + loss.classes() + ")");
      }
      into[b] = given[b];
    }
    return batch;
  }

  /**
   * Token labels are given ({@code needs} says what {@code loss} needs when they are not), one row per
   * sequence, each as long as the token ids' rows.
   */
  private void checkTokenLabelShape(LossTarget loss, int[][] tokenLabels, String needs) {
    if (tokenLabels == null) {
      throw new IllegalArgumentException("training " + loss.head() + " of " + layout.specName()
          + " needs " + needs);
    }
    if (tokenLabels.length != batch) {
      throw new IllegalArgumentException("tokenLabels has " + tokenLabels.length
          + " rows for a batch of " + batch);
    }
    for (int b = 0; b < batch; b++) {
      if (rowLength(tokenLabels, b, "tokenLabels") != seq) {
        throw new IllegalArgumentException("tokenLabels row " + b + " has " + tokenLabels[b].length
            + " labels, tokenIds rows have " + seq);
      }
    }
  }

  private int tokenLabels(LossTarget loss, int[][] tokenLabels, int[] into) {
    checkTokenLabelShape(loss, tokenLabels,
        "tokenLabels: use Batch.withTokenLabels (−1 = not counted)");
    int counted = 0;
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < seq; i++) {
        int target = tokenLabels[b][i];
        if (target < -1 || target >= loss.classes()) {
          throw new IllegalArgumentException("token label " + target + " at [" + b + "][" + i
              + "] is outside [−1, " + loss.classes() + ")");
        }
        into[b * seq + i] = target;
        counted += target >= 0 ? 1 : 0;
      }
    }
    return counted;
  }

  /**
   * A tag in [0, classes) at every non-padding position, −1 staged at padding; returns the
   * sequences with a non-padding position.
   */
  private int tagPaths(LossTarget loss, int[][] tokenLabels, int[] into) {
    checkTokenLabelShape(loss, tokenLabels,
        "a tag at every non-padding position: use Batch.withTokenLabels");
    int counted = 0;
    for (int b = 0; b < batch; b++) {
      boolean any = false;
      for (int i = 0; i < seq; i++) {
        int r = b * seq + i;
        int tag = tokenLabels[b][i];
        if (tokenIds[r] == 0) {
          into[r] = -1;
          continue;
        }
        if (tag < 0 || tag >= loss.classes()) {
          throw new IllegalArgumentException("token label " + tag + " of sequence " + b
              + " at position " + i + " is outside [0, " + loss.classes() + "): " + loss.head()
              + " needs a tag at every non-padding position (token id ≠ 0)");
        }
        into[r] = tag;
        any = true;
      }
      counted += any ? 1 : 0;
    }
    return counted;
  }

  /**
   * The spans of {@code loss}'s head as (b, t, i, j) quadruples into {@code targets[index]}, which is
   * sized to them: a type in [0, classes) and start and end at non-padding positions of the sequence
   * (with {@code tril}, the end not before the start).
   * Returns the sequences (the loss is a mean over them).
   */
  private int spans(LossTarget loss, Map<String, int[][][]> given, int index) {
    int[][][] spans = given == null ? null : given.get(loss.spanHead());
    if (spans == null) {
      throw new IllegalArgumentException("training " + loss.head() + " of " + layout.specName()
          + " needs its target spans: use Batch.withSpans with the key \"" + loss.spanHead()
          + "\"" + (given == null ? "" : " (the batch has " + given.keySet() + ")"));
    }
    if (spans.length != batch) {
      throw new IllegalArgumentException("spans \"" + loss.spanHead() + "\" has " + spans.length
          + " rows for a batch of " + batch);
    }
    int count = 0;
    for (int b = 0; b < batch; b++) {
      if (spans[b] == null) {
        throw new IllegalArgumentException("spans \"" + loss.spanHead() + "\" row " + b
            + " is null (give an empty row for a sequence without spans)");
      }
      count += spans[b].length;
    }
    int[] into = new int[4 * count];
    int n = 0;
    for (int b = 0; b < batch; b++) {
      for (int s = 0; s < spans[b].length; s++) {
        int[] span = spans[b][s];
        String where = "span " + s + " of sequence " + b + " for " + loss.head();
        if (span == null || span.length != 3) {
          throw new IllegalArgumentException(where + " must be {type, start, end}, got "
              + (span == null ? "null" : span.length + " ints"));
        }
        if (span[0] < 0 || span[0] >= loss.classes()) {
          throw new IllegalArgumentException(where + " has type " + span[0] + " outside [0, "
              + loss.classes() + ")");
        }
        for (int e = 1; e <= 2; e++) {
          int p = span[e];
          if (p < 0 || p >= seq || tokenIds[b * seq + p] == 0) {
            throw new IllegalArgumentException(where + " has " + (e == 1 ? "start " : "end ") + p
                + (p < 0 || p >= seq ? " outside [0, " + seq + ")" : ", a padding position"));
          }
        }
        if (loss.tril() && span[2] < span[1]) {
          throw new IllegalArgumentException(where + " ends at " + span[2] + " before it starts at "
              + span[1] + ": this head masks such spans (tril = true), so it could never score one");
        }
        into[n++] = b;
        into[n++] = span[0];
        into[n++] = span[1];
        into[n++] = span[2];
      }
    }
    targets[index] = into;
    return batch;
  }

  /**
   * Position i predicts token i + 1 when that token is not padding; for UniLM only where it is a
   * target token (segment 1), as bert4keras's seq2seq loss.
   */
  private int nextTokenTargets(boolean targetSegmentOnly, int[] into) {
    int counted = 0;
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < seq; i++) {
        int r = b * seq + i;
        boolean counts = i + 1 < seq && tokenIds[r + 1] != 0
            && (!targetSegmentOnly || segmentIds[r + 1] == 1);
        into[r] = counts ? tokenIds[r + 1] : -1;
        counted += counts ? 1 : 0;
      }
    }
    return counted;
  }

  private static int rowLength(int[][] rows, int b, String what) {
    if (rows[b] == null) {
      throw new IllegalArgumentException(what + " row " + b + " is null");
    }
    return rows[b].length;
  }
}
