package bert4j.cuda;

import bert4j.dsl.Heads;
import bert4j.dsl.Optimizer;
import bert4j.dsl.Transformer;

/**
 * BERT-base as GpuBenchmark times it, the same as cuda/bench/torch_bert_base.py builds in PyTorch:
 * 12 layers, hidden 768, 12 heads, intermediate 3072, the Chinese vocabulary (21128), learned
 * positions up to 512, dropout 0.1, a pooler and a two-class head, Adam (lr 2e-5, ε 1e-6).
 */
@Transformer(layers = 12, hidden = 768, heads = 12, intermediate = 3072, vocab = 21128,
    maxPosition = 512)
@Heads(pooler = true, classes = 2)
@Optimizer(learningRate = 2e-5)
public interface BenchmarkBert {}
