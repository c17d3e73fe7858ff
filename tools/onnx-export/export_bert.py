#!/usr/bin/python3
"""Exports a bert4j-saved BERT (safetensors, Hugging Face names) to ONNX for ONNX Runtime.

The side-by-side benchmark (examples: bert4j.examples.OrtBenchmark) times bert4j against ONNX Runtime
on the same weights; this script makes ONNX Runtime's copy. It needs only torch and numpy (Debian's
python3-torch): BERT is written out below as Hugging Face's BertModel computes it, op for op, so that
ONNX Runtime's graph optimisations (attention, layer-norm, GELU and embedding fusions) recognise the
same patterns they do in an export of transformers' model.

    /usr/bin/python3 tools/onnx-export/export_bert.py WEIGHTS.safetensors MODEL.onnx [--heads 12]

Inputs: input_ids, attention_mask, token_type_ids (int64, [batch, seq]); outputs: sequence_output
[batch, seq, hidden] and, when the file has a pooler, pooled_output [batch, hidden]. Batch and sequence
axes are dynamic. Heads other than the pooler (a classifier, an MLM head) are ignored.
"""

import argparse
import json
import math
import re
import struct
import sys

import numpy as np
import torch
from torch import nn

PREFIX = "bert."
LAYER_NORM_EPS = 1e-12
DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16}


def read_safetensors(path):
    """Every tensor of a safetensors file as a float32 torch tensor, by name (the prefix removed)."""
    with open(path, "rb") as f:
        data = f.read()
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_length])
    body = memoryview(data)[8 + header_length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = info["dtype"]
        if dtype not in DTYPES:
            raise SystemExit(f"{path}: tensor {name} has dtype {dtype}; only {sorted(DTYPES)} are read")
        start, end = info["data_offsets"]
        values = np.frombuffer(body[start:end], dtype=np.dtype(DTYPES[dtype]).newbyteorder("<"))
        if dtype == "BF16":
            values = (values.astype(np.uint32) << 16).view(np.float32)
        array = values.astype(np.float32).reshape(info["shape"])
        key = name[len(PREFIX):] if name.startswith(PREFIX) else name
        tensors[key] = torch.from_numpy(array.copy())
    return tensors


class Embeddings(nn.Module):
    def __init__(self, vocab, hidden, positions, segments):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden)
        self.position_embeddings = nn.Embedding(positions, hidden)
        self.token_type_embeddings = nn.Embedding(segments, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)
        self.register_buffer("position_ids", torch.arange(positions).expand((1, -1)), persistent=False)

    def forward(self, input_ids, token_type_ids):
        position_ids = self.position_ids[:, :input_ids.size(1)]
        x = (self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
             + self.position_embeddings(position_ids))
        return self.LayerNorm(x)


class Linear(nn.Linear):
    """x·Wᵀ + b with the product first, the operand order of ONNX Runtime's fusion patterns."""

    def forward(self, x):
        return torch.matmul(x, self.weight.t()) + self.bias


class SelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.head_size = hidden // heads
        self.query = Linear(hidden, hidden)
        self.key = Linear(hidden, hidden)
        self.value = Linear(hidden, hidden)

    def split_heads(self, x):
        return x.view(x.size()[:-1] + (self.heads, self.head_size)).permute(0, 2, 1, 3)

    def forward(self, x, mask_bias):
        q = self.split_heads(self.query(x))
        k = self.split_heads(self.key(x))
        v = self.split_heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size)
        probabilities = nn.functional.softmax(scores + mask_bias, dim=-1)
        context = torch.matmul(probabilities, v).permute(0, 2, 1, 3).contiguous()
        return context.view(context.size()[:-2] + (self.heads * self.head_size,))


class DenseLayerNorm(nn.Module):
    """dense, then LayerNorm of the sum with the residual: BertSelfOutput and BertOutput."""

    def __init__(self, inputs, hidden):
        super().__init__()
        self.dense = Linear(inputs, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.self = SelfAttention(hidden, heads)
        self.output = DenseLayerNorm(hidden, hidden)

    def forward(self, x, mask_bias):
        return self.output(self.self(x, mask_bias), x)


class Intermediate(nn.Module):
    def __init__(self, hidden, intermediate):
        super().__init__()
        self.dense = Linear(hidden, intermediate)

    def forward(self, x):
        x = self.dense(x)
        return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))  # exact GELU, as transformers writes it


class Layer(nn.Module):
    def __init__(self, hidden, heads, intermediate):
        super().__init__()
        self.attention = Attention(hidden, heads)
        self.intermediate = Intermediate(hidden, intermediate)
        self.output = DenseLayerNorm(intermediate, hidden)

    def forward(self, x, mask_bias):
        attended = self.attention(x, mask_bias)
        return self.output(self.intermediate(attended), attended)


class Encoder(nn.Module):
    def __init__(self, layers, hidden, heads, intermediate):
        super().__init__()
        self.layer = nn.ModuleList(Layer(hidden, heads, intermediate) for _ in range(layers))

    def forward(self, x, mask_bias):
        for layer in self.layer:
            x = layer(x, mask_bias)
        return x


class Pooler(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.dense = Linear(hidden, hidden)

    def forward(self, x):
        return torch.tanh(self.dense(x[:, 0]))


class Bert(nn.Module):
    """Hugging Face's BertModel (post-LN, exact GELU, optional pooler), inference only."""

    def __init__(self, vocab, hidden, positions, segments, layers, heads, intermediate, pooler):
        super().__init__()
        self.embeddings = Embeddings(vocab, hidden, positions, segments)
        self.encoder = Encoder(layers, hidden, heads, intermediate)
        self.pooler = Pooler(hidden) if pooler else None

    def forward(self, input_ids, attention_mask, token_type_ids):
        # keys where attention_mask is 0 get -10000 before the softmax (bert4j: its padding, token id 0)
        mask_bias = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        sequence_output = self.encoder(self.embeddings(input_ids, token_type_ids), mask_bias)
        if self.pooler is None:
            return sequence_output
        return sequence_output, self.pooler(sequence_output)


def build(tensors, heads):
    """The model the tensors describe; their shapes give every size but the number of heads."""
    vocab, hidden = tensors["embeddings.word_embeddings.weight"].shape
    positions = tensors["embeddings.position_embeddings.weight"].shape[0]
    segments = tensors["embeddings.token_type_embeddings.weight"].shape[0]
    layers = 1 + max(int(m.group(1)) for m in map(re.compile(r"encoder\.layer\.(\d+)\.").match, tensors)
                     if m)
    intermediate = tensors["encoder.layer.0.intermediate.dense.weight"].shape[0]
    pooler = "pooler.dense.weight" in tensors
    if hidden % heads:
        raise SystemExit(f"hidden size {hidden} is not a multiple of {heads} heads")
    model = Bert(vocab, hidden, positions, segments, layers, heads, intermediate, pooler)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    if missing:
        raise SystemExit(f"the weights lack {len(missing)} tensors of BertModel, e.g. {missing[:3]}")
    model.load_state_dict({name: tensors[name] for name in expected})
    print(f"BERT: {layers} layers, hidden {hidden}, {heads} heads, intermediate {intermediate}, "
          f"vocab {vocab}, {positions} positions, {segments} segments, pooler {pooler}; "
          f"ignored: {sorted(set(tensors) - set(expected)) or 'nothing'}")
    return model.eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("weights", help="safetensors file saved by bert4j (or any BertModel's)")
    parser.add_argument("onnx", help="ONNX file to write")
    parser.add_argument("--heads", type=int, default=12, help="attention heads (default 12)")
    parser.add_argument("--opset", type=int, default=11,
                        help="ONNX opset (default 11: ONNX Runtime 1.29's in-session attention fusion "
                             "matches the op versions of opsets 11 and 12 only; from 13 on it leaves "
                             "attention as separate MatMul, Softmax and Transpose nodes)")
    args = parser.parse_args()

    torch.set_grad_enabled(False)
    model = build(read_safetensors(args.weights), args.heads)
    ids = torch.randint(1, model.embeddings.word_embeddings.num_embeddings, (2, 16))
    example = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    outputs = ["sequence_output"] + (["pooled_output"] if model.pooler is not None else [])
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
            "token_type_ids": {0: "batch", 1: "sequence"}, "sequence_output": {0: "batch", 1: "sequence"},
            "pooled_output": {0: "batch"}}
    torch.onnx.export(model, example, args.onnx, input_names=list(axes)[:3], output_names=outputs,
                      dynamic_axes={name: axes[name] for name in list(axes)[:3] + outputs},
                      opset_version=args.opset, do_constant_folding=True)
    print(f"wrote {args.onnx} (opset {args.opset}, outputs {outputs})")


if __name__ == "__main__":
    sys.exit(main())
