#!/usr/bin/env python3
"""Writes the PyTorch checkpoints the bert4j.runtime.io.torch tests read, with torch.save itself.

Run once from this directory with Debian bookworm's python3-torch (apt-get install python3-torch;
package 1.13.1+dfsg-4, torch.__version__ "1.13.0a0"): /usr/bin/python3 make_fixtures.py. Every float
value is ((i * 7 + seed * 5) % 23 - 11) / 8 for flat index i, exact in float16 and bfloat16 too, so the
tests recompute them. The output is byte-for-byte the same on every run but for legacy.bin, whose
storage keys are memory addresses. The malicious file is assembled byte by byte and never unpickled.
"""
import json
import math
import os
import zipfile

import torch


def values(seed, shape, dtype=torch.float32):
    n = math.prod(shape)
    flat = [((i * 7 + seed * 5) % 23 - 11) / 8 for i in range(n)]
    return torch.tensor(flat, dtype=dtype).reshape(shape)


def bert():
    """A one-layer BERT for pre-training with Hugging Face names, hidden 4, vocabulary 10; the MLM
    decoder is tied to the word embeddings (one storage, as Hugging Face saves it)."""
    shapes = [
        ("bert.embeddings.word_embeddings.weight", [10, 4]),
        ("bert.embeddings.position_embeddings.weight", [6, 4]),
        ("bert.embeddings.token_type_embeddings.weight", [2, 4]),
        ("bert.embeddings.LayerNorm.weight", [4]),
        ("bert.embeddings.LayerNorm.bias", [4]),
    ]
    layer = "bert.encoder.layer.0."
    for part in ["attention.self.query", "attention.self.key", "attention.self.value",
                 "attention.output.dense"]:
        shapes += [(layer + part + ".weight", [4, 4]), (layer + part + ".bias", [4])]
    shapes += [
        (layer + "attention.output.LayerNorm.weight", [4]),
        (layer + "attention.output.LayerNorm.bias", [4]),
        (layer + "intermediate.dense.weight", [8, 4]),
        (layer + "intermediate.dense.bias", [8]),
        (layer + "output.dense.weight", [4, 8]),
        (layer + "output.dense.bias", [4]),
        (layer + "output.LayerNorm.weight", [4]),
        (layer + "output.LayerNorm.bias", [4]),
        ("bert.pooler.dense.weight", [4, 4]),
        ("bert.pooler.dense.bias", [4]),
        ("cls.predictions.bias", [10]),
        ("cls.predictions.transform.dense.weight", [4, 4]),
        ("cls.predictions.transform.dense.bias", [4]),
        ("cls.predictions.transform.LayerNorm.weight", [4]),
        ("cls.predictions.transform.LayerNorm.bias", [4]),
    ]
    state = {name: values(seed, shape) for seed, (name, shape) in enumerate(shapes)}
    state["cls.predictions.decoder.weight"] = state["bert.embeddings.word_embeddings.weight"]
    state["cls.seq_relationship.weight"] = values(len(shapes), [2, 4])
    state["cls.seq_relationship.bias"] = values(len(shapes) + 1, [2])
    return state


def dtypes():
    """One tensor of each storage type and layout the reader handles."""
    fused = values(5, [12])
    return {
        "half": values(0, [2, 3], torch.float16),
        "bfloat": values(1, [3, 2], torch.bfloat16),
        "double": values(2, [2], torch.float64),
        "embeddings.position_ids": torch.arange(6).unsqueeze(0),
        "global_step": torch.tensor(12345678901),
        "int32": torch.tensor([-2147483648, -1, 0, 2147483647], dtype=torch.int32),
        "int16": torch.tensor([-32768, 7, 32767], dtype=torch.int16),
        "int8": torch.tensor([-128, 0, 127], dtype=torch.int8),
        "uint8": torch.tensor([0, 128, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "empty": torch.zeros(0, 4),
        "transposed": values(3, [2, 3]).t(),
        "parameter": torch.nn.Parameter(values(4, [3])),
        "scalar": torch.tensor(2.5),
        "view.first": fused[:4],
        "view.rest": fused[4:].view(2, 4),
    }


def malicious(path):
    """A zip laid out as torch.save does whose data.pkl calls os.system("echo pwned!") when unpickled:
    protocol 2, GLOBAL 'os system', the argument tuple, REDUCE, STOP."""
    command = b"echo pwned!"
    pickle = (b"\x80\x02" + b"cos\nsystem\n" + b"q\x00"
              + b"X" + len(command).to_bytes(4, "little") + command + b"q\x01"
              + b"\x85q\x02" + b"Rq\x03" + b".")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in [("malicious/data.pkl", pickle), ("malicious/version", b"3\n")]:
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


def main():
    torch.save(bert(), "bert.bin")
    torch.save(dtypes(), "dtypes.bin")
    torch.save({"a": values(0, [2, 2]), "b": values(1, [3], torch.float16)}, "protocol4.bin",
               pickle_protocol=4)
    torch.save({"a": values(0, [2])}, "legacy.bin", _use_new_zipfile_serialization=False)
    malicious("malicious.bin")

    os.makedirs("sharded", exist_ok=True)
    shards = {
        "pytorch_model-00001-of-00002.bin": {
            "bert.embeddings.word_embeddings.weight": values(0, [10, 4]),
            "bert.embeddings.LayerNorm.weight": values(1, [4]),
        },
        "pytorch_model-00002-of-00002.bin": {
            "bert.pooler.dense.weight": values(2, [4, 4]),
            "cls.predictions.bias": values(3, [10], torch.float16),
        },
    }
    weight_map, total = {}, 0
    for file, state in shards.items():
        torch.save(state, os.path.join("sharded", file))
        for name, tensor in state.items():
            weight_map[name] = file
            total += tensor.numel() * tensor.element_size()
    with open(os.path.join("sharded", "pytorch_model.bin.index.json"), "w") as index:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, index, indent=2)
        index.write("\n")

    # What torch itself reads back, as a check of the fixtures (the malicious file is not loaded).
    for file in ["bert.bin", "dtypes.bin", "protocol4.bin", "legacy.bin"]:
        loaded = torch.load(file)
        print(file, torch.__version__, {k: (str(v.dtype), tuple(v.shape)) for k, v in loaded.items()})


if __name__ == "__main__":
    main()
