package bert4j.examples;

import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * {@link BertBase} with recompute (gradient checkpointing): each layer keeps only its input through
 * the forward pass and replays its forward inside the backward. The benchmark times its training step
 * next to BertBase's and compares the arenas.
 */
@Transformer(layers = 12, hidden = 768, heads = 12, intermediate = 3072, vocab = 21128,
    maxPosition = 512, recompute = true)
@Heads(pooler = true, classes = 2)
public interface BertBaseRecompute {}
