package bert4j.runtime.config;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;

/**
 * A model's sizes and settings in the terms of a {@code @Transformer} spec: what a generated model
 * was compiled with, or what a checkpoint's {@code config.json} / {@code bert_config.json} says.
 * {@code embeddingSize} equals {@code hidden} for a model without a factorized embedding;
 * {@code maxRelativePosition} is 0 where positions are not relative.
 */
public record ModelConfig(Architecture architecture, int layers, int hidden, int heads,
    int intermediate, int vocab, int maxPosition, int segments, int embeddingSize,
    Activation activation, double layerNormEps, int maxRelativePosition) {}
