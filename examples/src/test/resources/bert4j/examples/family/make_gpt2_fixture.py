"""Writes gpt2_tiny.safetensors: a GPT-2 checkpoint in Hugging Face's GPT2Model layout (no prefix,
fused attn.c_attn, Conv1D weights stored [in, out]) for a 2-layer, 32-wide, 4-head model with 64
intermediate units, 60 tokens and 16 positions, random values from a fixed seed.

The safetensors container is written here by hand (an 8-byte little-endian header length, the JSON
header padded with spaces to a multiple of 8, then the raw little-endian float32 data), independently
of bert4j's writer, so the test that loads and re-saves it checks bert4j against the format and not
against itself. Run: python3 make_gpt2_fixture.py (needs numpy).
"""
import json
import struct

import numpy as np

LAYERS, HIDDEN, INNER, VOCAB, POSITIONS = 2, 32, 64, 60, 16

rng = np.random.default_rng(20261130)
tensors = {}


def put(name, *shape, scale=0.2):
    tensors[name] = (rng.standard_normal(shape) * scale).astype("<f4")


put("wte.weight", VOCAB, HIDDEN)
put("wpe.weight", POSITIONS, HIDDEN)
for layer in range(LAYERS):
    p = f"h.{layer}."
    put(p + "ln_1.weight", HIDDEN)
    put(p + "ln_1.bias", HIDDEN)
    put(p + "attn.c_attn.weight", HIDDEN, 3 * HIDDEN)
    put(p + "attn.c_attn.bias", 3 * HIDDEN)
    put(p + "attn.c_proj.weight", HIDDEN, HIDDEN)
    put(p + "attn.c_proj.bias", HIDDEN)
    put(p + "ln_2.weight", HIDDEN)
    put(p + "ln_2.bias", HIDDEN)
    put(p + "mlp.c_fc.weight", HIDDEN, INNER)
    put(p + "mlp.c_fc.bias", INNER)
    put(p + "mlp.c_proj.weight", INNER, HIDDEN)
    put(p + "mlp.c_proj.bias", HIDDEN)
put("ln_f.weight", HIDDEN)
put("ln_f.bias", HIDDEN)

header = {"__metadata__": {"format": "pt"}}
offset = 0
for name, value in tensors.items():
    header[name] = {"dtype": "F32", "shape": list(value.shape),
                    "data_offsets": [offset, offset + value.nbytes]}
    offset += value.nbytes
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open("gpt2_tiny.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    for value in tensors.values():
        f.write(value.tobytes())
