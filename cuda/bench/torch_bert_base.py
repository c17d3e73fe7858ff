#!/usr/bin/env python3
"""PyTorch eager on the model and shapes of bert4j's GpuBenchmark, for the side-by-side table.

BERT-base as bert4j.cuda.BenchmarkBert: 12 layers, hidden 768, 12 heads, intermediate 3072,
vocabulary 21128, positions 512, dropout 0.1, pooler and a two-class head, Adam (lr 2e-5, eps 1e-6),
random weights and tokens. Measures, in float32 and in TF32 (torch.backends.*.allow_tf32):
  - a training step (forward, loss, backward, Adam) at batch 32 x 128 and 8 x 512, tokens/s;
  - inference latency at batch 1 x 128, ms;
  - the matmul rate of torch.nn.functional.linear (cuBLAS) on BenchmarkBert's dense-layer shapes at
    4096 rows, TFLOP/s.
Each time is the median of --repeats runs after 3 warm-up runs, bracketed by torch.cuda.synchronize.
Writes JSON for GpuBenchmark --torch:

  python3 torch_bert_base.py --out torch.json [--repeats 10] [--attn sdpa|eager]
"""
import argparse
import json
import statistics
import time

import torch

SHAPES = [(768, 768), (768, 3072), (3072, 768)]  # (in, out), as GemmRates.SHAPES
ROWS = 4096


def median_seconds(step, repeats):
    for _ in range(3):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gemm_rates(repeats):
    rates = []
    for n_in, n_out in SHAPES:
        x = torch.randn(ROWS, n_in, device="cuda")
        w = torch.randn(n_out, n_in, device="cuda")
        inner = 10

        def step():
            for _ in range(inner):
                torch.nn.functional.linear(x, w)

        rates.append(2.0 * ROWS * n_in * n_out * inner / median_seconds(step, repeats) / 1e12)
    return rates


def bert_base(attn):
    from transformers import AutoModelForSequenceClassification, BertConfig

    config = BertConfig(vocab_size=21128, hidden_size=768, num_hidden_layers=12,
                        num_attention_heads=12, intermediate_size=3072, hidden_act="gelu",
                        hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
                        max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12,
                        num_labels=2)
    return AutoModelForSequenceClassification.from_config(config, attn_implementation=attn).cuda()


def batch(size, seq, seed):
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(1, 21128, (size, seq), generator=g)
    segments = torch.zeros(size, seq, dtype=torch.long)
    segments[:, seq // 2:] = 1
    labels = torch.randint(0, 2, (size,), generator=g)
    return tokens.cuda(), segments.cuda(), labels.cuda()


def measure(attn, repeats):
    torch.manual_seed(1)
    model = bert_base(attn)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-5, eps=1e-6)
    results = {"gemm_tflops": gemm_rates(repeats)}
    for size, seq, key in ((32, 128, "train_32x128_tokens_per_s"),
                           (8, 512, "train_8x512_tokens_per_s")):
        tokens, segments, labels = batch(size, seq, seq)
        model.train()

        def train_step():
            optimizer.zero_grad(set_to_none=True)
            loss = model(input_ids=tokens, token_type_ids=segments, labels=labels).loss
            loss.backward()
            optimizer.step()

        results[key] = size * seq / median_seconds(train_step, repeats)
    tokens, segments, _ = batch(1, 128, 5)
    model.eval()

    def forward():
        with torch.no_grad():
            model(input_ids=tokens, token_type_ids=segments)

    results["infer_1x128_ms"] = 1000 * median_seconds(forward, repeats)
    del model, optimizer
    torch.cuda.empty_cache()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="torch_bert_base.json")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"],
                        help="Hugging Face attention implementation (sdpa is its default)")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device visible to PyTorch")
    report = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
              "attention": args.attn, "repeats": args.repeats}
    for precision, tf32 in (("fp32", False), ("tf32", True)):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        print(f"[torch] {precision}", flush=True)
        report[precision] = measure(args.attn, args.repeats)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
