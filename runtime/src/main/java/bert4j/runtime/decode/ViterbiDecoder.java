package bert4j.runtime.decode;

import bert4j.runtime.FloatTensor;

/**
 * The most likely tag path of a linear-chain CRF ({@code @Heads(crf = N)}), as bert4keras's
 * {@code ViterbiDecoder}: over the first {@code length} rows of an emission matrix e
 * ({@code [seq, tags]}, the model's {@code crf_emissions} for one sequence), the path y keeping the
 * {@link TagConstraints} that maximizes Σ_t e[t][y_t] + Σ_{t>0} T[y_{t−1}][y_t] (T: the model's
 * {@code crf.transitions}; no start or end scores, as the head). In double; ties go to the lower
 * tag.
 *
 * <pre>{@code
 * ViterbiDecoder decoder = new ViterbiDecoder(model.parameter("crf.transitions"),
 *     TagConstraints.iob2(List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC")));
 * int[] tags = decoder.decode(model.forward(batch).get("crf_emissions"), sequence, length);
 * }</pre>
 */
public final class ViterbiDecoder {
  private final double[][] transitions;
  private final TagConstraints constraints;

  /** A decoder over every path. */
  public ViterbiDecoder(float[][] transitions) {
    this(transitions, TagConstraints.none(transitions.length));
  }

  /** A decoder over the paths that keep {@code constraints}. */
  public ViterbiDecoder(float[][] transitions, TagConstraints constraints) {
    this.transitions = Viterbi.transitions(transitions, constraints);
    this.constraints = constraints;
  }

  /** A decoder from a model's {@code [tags, tags]} transitions parameter. */
  public ViterbiDecoder(FloatTensor transitions, TagConstraints constraints) {
    this(Viterbi.rows(transitions), constraints);
  }

  /** The best path over the first {@code length} rows of {@code emissions} ({@code [≥ length, tags]}). */
  public int[] decode(float[][] emissions, int length) {
    Viterbi.checkEmissions(emissions, length, transitions.length);
    return Viterbi.best(length, constraints, new Viterbi.Scores() {
      @Override
      public double start(int tag) {
        return emissions[0][tag];
      }

      @Override
      public double step(int t, int from, int to) {
        return transitions[from][to] + emissions[t][to];
      }
    });
  }

  /** The best path of sequence {@code sequence} of a {@code [batch, seq, tags]} emissions output. */
  public int[] decode(FloatTensor emissions, int sequence, int length) {
    return decode(Viterbi.rows(emissions, sequence, length, transitions.length), length);
  }
}
