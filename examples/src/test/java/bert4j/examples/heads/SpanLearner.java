package bert4j.examples.heads;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.SpanHead;
import bert4j.dsl.Transformer;

/** A small encoder with one GlobalPointer, trained from scratch by {@link LearnsSpansTest}. */
@Transformer(layers = 2, hidden = 32, heads = 2, intermediate = 64, vocab = 24, maxPosition = 16,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(spans = @SpanHead(name = "entity", types = 1, headSize = 16))
public interface SpanLearner {}
