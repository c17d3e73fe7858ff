package bert4j.runtime.generate;

import bert4j.runtime.FloatTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * bert4keras's {@code AutoRegressiveDecoder} over an {@link IncrementalLm}: greedy decoding, beam
 * search and random sampling of token ids, batched over inputs (as many sequences at once as the
 * model's {@link IncrementalLm#maxBatch} holds), each output stopping at the end token or after the
 * {@link DecodeLimits}' maximum. Outputs are the generated tokens only, without the prompt and without
 * the end token. Token 0 (padding) is never generated.
 *
 * <p>Where it differs from bert4keras, on purpose: the end token cannot be chosen before
 * {@code minTokens} tokens (bert4keras lets it be generated and goes on); and beam search keeps every
 * finished hypothesis it meets and returns the best, stopping once no live beam can still beat it
 * (bert4keras drops a finished beam that is not the best of its step, so a wider beam can return a
 * worse output). With a beam wide enough to hold every candidate the result is the most probable output
 * of all; with width 1 it is the greedy output.
 */
public final class AutoRegressiveDecoder {
  private static final Comparator<Candidate> BEST_FIRST = Comparator
      .comparingDouble(Candidate::score).reversed()
      .thenComparingInt(Candidate::beam)
      .thenComparingInt(Candidate::token);

  private final IncrementalLm lm;
  private final DecodeLimits limits;

  /** A decoder over {@code lm} that stops under {@code limits}. */
  public AutoRegressiveDecoder(IncrementalLm lm, DecodeLimits limits) {
    if (lm == null || limits == null) {
      throw new IllegalArgumentException("a decoder needs a model and limits, got lm=" + lm
          + ", limits=" + limits);
    }
    if (lm.vocab() < 3 || limits.endToken() >= lm.vocab()) {
      throw new IllegalArgumentException("endToken=" + limits.endToken() + " must be below the "
          + "model's vocab=" + lm.vocab() + ", which needs a token besides padding and the end");
    }
    if (limits.maxTokens() > lm.maxLength() - 1) {
      throw new IllegalArgumentException("maxTokens=" + limits.maxTokens() + " leaves no room for a "
          + "prompt: the model holds maxLength=" + lm.maxLength() + " tokens");
    }
    this.lm = lm;
    this.limits = limits;
  }

  public IncrementalLm lm() {
    return lm;
  }

  public DecodeLimits limits() {
    return limits;
  }

  /**
   * The most probable token at every step, for each prompt. {@code segments}: each prompt token's
   * segment id, or null for all 0.
   */
  public int[][] greedy(int[][] prompts, int[][] segments) {
    checkPrompts(prompts, segments);
    int[][] outputs = new int[prompts.length][];
    for (int from = 0; from < prompts.length; from += lm.maxBatch()) {
      int to = Math.min(prompts.length, from + lm.maxBatch());
      int[] inputs = range(from, to);
      FloatTensor logits = lm.start(slice(prompts, from, to), slice(segments, from, to));
      decodeRows(inputs, range(0, inputs.length), logits, outputs,
          (input, generated, rowLogits, logitRow) ->
              NextToken.argmax(rowLogits, logitRow, limits, generated));
    }
    return outputs;
  }

  /**
   * Beam search for each prompt: the best output found with {@code search.width()} beams per input.
   */
  public int[][] beamSearch(int[][] prompts, int[][] segments, BeamSearch search) {
    checkPrompts(prompts, segments);
    if (search == null) {
      throw new IllegalArgumentException("beamSearch needs its settings, got null");
    }
    if (search.width() > lm.maxBatch()) {
      throw new IllegalArgumentException("beam width=" + search.width() + " exceeds the model's "
          + "maxBatch=" + lm.maxBatch() + ": create the model with maxBatch >= the width");
    }
    int group = lm.maxBatch() / search.width();
    int[][] outputs = new int[prompts.length][];
    for (int from = 0; from < prompts.length; from += group) {
      int to = Math.min(prompts.length, from + group);
      searchGroup(slice(prompts, from, to), slice(segments, from, to), search, outputs, from);
    }
    return outputs;
  }

  /**
   * {@code sampling.samples()} random outputs for each prompt: {@code [prompt][sample][tokens]}.
   */
  public int[][][] sample(int[][] prompts, int[][] segments, Sampling sampling) {
    checkPrompts(prompts, segments);
    if (sampling == null) {
      throw new IllegalArgumentException("sample needs its settings, got null");
    }
    int samples = sampling.samples();
    int total = prompts.length * samples;
    int[][] flat = new int[total][];
    for (int from = 0; from < total; from += lm.maxBatch()) {
      int to = Math.min(total, from + lm.maxBatch());
      int firstInput = from / samples;
      int lastInput = (to - 1) / samples;
      FloatTensor logits = lm.start(slice(prompts, firstInput, lastInput + 1),
          slice(segments, firstInput, lastInput + 1));
      int[] logitRows = new int[to - from];
      SplittableRandom[] randoms = new SplittableRandom[to - from];
      for (int r = from; r < to; r++) {
        logitRows[r - from] = r / samples - firstInput;
        randoms[r - from] = new SplittableRandom(
            new SplittableRandom(sampling.seed() + 0x9E3779B97F4A7C15L * (r / samples)).nextLong()
                ^ r % samples);
      }
      if (to - from != lastInput + 1 - firstInput) {
        lm.reorder(logitRows);
      }
      int first = from;
      decodeRows(range(from, to), logitRows, logits, flat,
          (output, generated, rowLogits, logitRow) -> NextToken.sample(rowLogits, logitRow,
              limits, generated, sampling, randoms[output - first]));
    }
    int[][][] outputs = new int[prompts.length][samples][];
    for (int r = 0; r < total; r++) {
      outputs[r / samples][r % samples] = flat[r];
    }
    return outputs;
  }

  /** How greedy decoding and sampling choose the next token of one output. */
  private interface Choice {
    int next(int output, int generated, FloatTensor logits, int logitRow);
  }

  /**
   * Runs one started batch to the end: row r of the model is output {@code outputs[r]}; its first
   * token comes from row {@code firstLogitRows[r]} of {@code logits}, later ones from its own row.
   */
  private void decodeRows(int[] outputIds, int[] firstLogitRows, FloatTensor logits, int[][] results,
      Choice choice) {
    int[] live = outputIds.clone();
    int[] logitRows = firstLogitRows.clone();
    List<int[]> tokens = new ArrayList<>();
    for (int ignored : live) {
      tokens.add(new int[0]);
    }
    for (int generated = 0; live.length > 0; generated++) {
      int[] parents = new int[live.length];
      int[] next = new int[live.length];
      int kept = 0;
      List<int[]> keptTokens = new ArrayList<>();
      for (int r = 0; r < live.length; r++) {
        int token = choice.next(live[r], generated, logits, logitRows[r]);
        int[] sequence = tokens.get(r);
        if (token == limits.endToken()) {
          results[live[r]] = sequence;
          continue;
        }
        sequence = append(sequence, token);
        if (sequence.length == limits.maxTokens()) {
          results[live[r]] = sequence;
          continue;
        }
        parents[kept] = r;
        next[kept] = token;
        live[kept] = live[r];
        keptTokens.add(sequence);
        kept++;
      }
      if (kept == 0) {
        return;
      }
      if (kept < parents.length) {
        lm.reorder(Arrays.copyOf(parents, kept));
      }
      live = Arrays.copyOf(live, kept);
      tokens = keptTokens;
      logits = lm.step(Arrays.copyOf(next, kept));
      logitRows = range(0, kept);
    }
  }

  /** A live hypothesis: its tokens, summed log-probability, and the model row it continues. */
  private record Beam(int[] tokens, double score, int row) {}

  /** One extension of beam {@code beam} (its index among the input's beams) by {@code token}. */
  private record Candidate(int beam, int token, double score) {}

  /** The best finished output of one input so far and its rank score. */
  private record Finished(int[] tokens, double rank) {}

  private void searchGroup(int[][] prompts, int[][] segments, BeamSearch search, int[][] outputs,
      int offset) {
    int inputs = prompts.length;
    FloatTensor logits = lm.start(prompts, segments);
    List<List<Beam>> alive = new ArrayList<>();
    Finished[] best = new Finished[inputs];
    for (int i = 0; i < inputs; i++) {
      alive.add(List.of(new Beam(new int[0], 0, i)));
    }
    for (int generated = 0; ; generated++) {
      List<Integer> parents = new ArrayList<>();
      List<Integer> next = new ArrayList<>();
      for (int i = 0; i < inputs; i++) {
        List<Beam> beams = alive.get(i);
        if (beams.isEmpty()) {
          continue;
        }
        List<Beam> extended = new ArrayList<>();
        for (Candidate c : topCandidates(beams, logits, generated, search.width())) {
          Beam parent = beams.get(c.beam());
          int[] tokens = c.token() == limits.endToken() ? parent.tokens()
              : append(parent.tokens(), c.token());
          if (c.token() == limits.endToken() || generated + 1 == limits.maxTokens()) {
            double rank = search.lengthNormalized() ? c.score() / (generated + 1) : c.score();
            if (best[i] == null || rank > best[i].rank()) {
              best[i] = new Finished(tokens, rank);
            }
          } else {
            extended.add(new Beam(tokens, c.score(), parent.row()));
          }
        }
        if (!extended.isEmpty() && best[i] != null) {
          double bound = search.lengthNormalized() ? extended.get(0).score() / limits.maxTokens()
              : extended.get(0).score();
          if (best[i].rank() >= bound) {
            extended.clear();
          }
        }
        List<Beam> placed = new ArrayList<>();
        for (Beam b : extended) {
          placed.add(new Beam(b.tokens(), b.score(), parents.size()));
          parents.add(b.row());
          next.add(b.tokens()[b.tokens().length - 1]);
        }
        alive.set(i, placed);
      }
      if (parents.isEmpty()) {
        break;
      }
      lm.reorder(parents.stream().mapToInt(Integer::intValue).toArray());
      logits = lm.step(next.stream().mapToInt(Integer::intValue).toArray());
    }
    for (int i = 0; i < inputs; i++) {
      outputs[offset + i] = best[i].tokens();
    }
  }

  /** The {@code width} best extensions of {@code beams}, best first (ties: earlier beam, smaller id). */
  private List<Candidate> topCandidates(List<Beam> beams, FloatTensor logits, int generated,
      int width) {
    PriorityQueue<Candidate> kept = new PriorityQueue<>(width + 1, BEST_FIRST.reversed());
    for (int b = 0; b < beams.size(); b++) {
      Beam beam = beams.get(b);
      double[] logProbabilities = NextToken.logProbabilities(logits, beam.row(), limits, generated);
      for (int v = 0; v < logProbabilities.length; v++) {
        if (logProbabilities[v] == Double.NEGATIVE_INFINITY) {
          continue;
        }
        Candidate c = new Candidate(b, v, beam.score() + logProbabilities[v]);
        if (kept.size() < width) {
          kept.add(c);
        } else if (BEST_FIRST.compare(c, kept.peek()) < 0) {
          kept.poll();
          kept.add(c);
        }
      }
    }
    List<Candidate> sorted = new ArrayList<>(kept);
    sorted.sort(BEST_FIRST);
    return sorted;
  }

  private void checkPrompts(int[][] prompts, int[][] segments) {
    if (prompts == null || prompts.length == 0) {
      throw new IllegalArgumentException("no prompts: give at least one");
    }
    if (segments != null && segments.length != prompts.length) {
      throw new IllegalArgumentException(segments.length + " rows of segment ids for " + prompts.length
          + " prompts");
    }
    for (int b = 0; b < prompts.length; b++) {
      int[] prompt = prompts[b];
      if (prompt == null || prompt.length == 0) {
        throw new IllegalArgumentException("prompt " + b + " is empty: a prompt needs at least one "
            + "token (a language model starts from [CLS])");
      }
      int positions = lm.positions(prompt.length, limits.maxTokens());
      if (positions > lm.maxLength()) {
        throw new IllegalArgumentException("prompt " + b + " has " + prompt.length + " tokens: with "
            + "maxTokens=" + limits.maxTokens() + " it needs " + positions
            + " positions, more than the model's maxLength=" + lm.maxLength());
      }
      for (int i = 0; i < prompt.length; i++) {
        if (prompt[i] <= 0 || prompt[i] >= lm.vocab()) {
          throw new IllegalArgumentException("prompt " + b + " position " + i + ": token " + prompt[i]
              + " is outside [1, " + lm.vocab() + ") (0 is padding)");
        }
      }
      if (segments != null && (segments[b] == null || segments[b].length != prompt.length)) {
        throw new IllegalArgumentException("prompt " + b + " has " + prompt.length + " tokens and "
            + (segments[b] == null ? "no" : segments[b].length) + " segment ids");
      }
    }
  }

  private static int[][] slice(int[][] rows, int from, int to) {
    return rows == null ? null : Arrays.copyOfRange(rows, from, to);
  }

  private static int[] range(int from, int to) {
    int[] out = new int[to - from];
    for (int i = 0; i < out.length; i++) {
      out[i] = from + i;
    }
    return out;
  }

  private static int[] append(int[] tokens, int token) {
    int[] out = Arrays.copyOf(tokens, tokens.length + 1);
    out[tokens.length] = token;
    return out;
  }
}
