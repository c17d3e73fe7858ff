package bert4j.processor.heads;

import bert4j.processor.blocks.Dense;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Value;

/**
 * Sequence labelling over tag paths: bert4keras's {@code ConditionalRandomField} ({@code crf.*},
 * output {@code crf_emissions}) or its {@code MaximumEntropyMarkovModel} ({@code memm.*}, output
 * {@code memm_emissions}). A dense layer on every position gives the emissions, and a
 * {@code transitions [tags, tags]} parameter (row: the tag before) scores each step; there are no
 * start or end scores. Loss: the CRF's log Z − score(gold path), or the MEMM's −log probability of
 * each gold tag, over the non-padding positions, a mean over sequences.
 */
final class TagPathHead implements Head {
  private final boolean crf;

  TagPathHead(boolean crf) {
    this.crf = crf;
  }

  @Override
  public void build(HeadContext c) {
    String name = crf ? "crf" : "memm";
    int tags = crf ? c.spec().crf() : c.spec().memm();
    Dense dense = Dense.declare(c.tape(), name + ".dense", name + "Dense", tags, c.spec().hidden());
    Parameter transitions = c.tape().parameter(name + ".transitions", name + "Transitions", tags,
        tags);
    c.tape().comment(name.toUpperCase() + " emissions on every position");
    Value emissions = dense.apply(c.tape(), c.sequence(), name + "Emissions");
    c.output(name + "_emissions", name + "Emissions", emissions);
    if (crf) {
      c.tape().comment("CRF loss: log Z − score of the gold path, mean over sequences");
      c.crfLoss(emissions, transitions, tags, "the CRF head");
    } else {
      c.tape().comment("MEMM loss: −log p of each gold tag given the previous, mean over sequences");
      c.memmLoss(emissions, transitions, tags, "the MEMM head");
    }
  }
}
