package bert4j.examples.heads;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.SpanHead;
import bert4j.dsl.Transformer;

/**
 * A one-layer encoder with both span heads: a GlobalPointer (RoPE, lower triangle masked) and an
 * EfficientGlobalPointer (RoPE, no triangle mask), small enough for finite differences in double.
 */
@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 20, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(spans = {
    @SpanHead(name = "entity", types = 2, headSize = 4),
    @SpanHead(name = "link", types = 3, headSize = 4, tril = false, efficient = true)})
public interface TinySpans {}
