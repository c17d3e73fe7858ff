"""Trains the SentencePiece model of bert4j's CoupletT5 example on the couplets it trains on.

Usage (Debian's python3-sentencepiece, 0.1.97):

    /usr/bin/python3 tools/couplet-spm/make_couplet_spm.py \
        [examples/src/main/resources/bert4j/examples/couplets.tsv.gz] \
        [examples/src/main/resources/bert4j/examples/couplets_spm.model]

The held-out pairs are the ones CoupletT5 holds out: the pairs shuffled as Java's
Collections.shuffle(list, new Random(13)) shuffles them, the first max(1, n / 20) held out. Only the
other pairs (both halves) train the model, so no held-out character shapes the vocabulary.
"""

import gzip
import io
import sys

import sentencepiece

SEED = 13
# An upper bound (hard_vocab_limit=False): with one character per piece the model gets the three
# special pieces and the characters that character_coverage keeps, 4,036 for the shipped couplets.
VOCAB_SIZE = 4096
_MASK = (1 << 48) - 1


class JavaRandom:
    """java.util.Random's linear congruential generator, as its Javadoc specifies it."""

    def __init__(self, seed):
        self.seed = (seed ^ 0x5DEECE66D) & _MASK

    def next_bits(self, bits):
        self.seed = (self.seed * 0x5DEECE66D + 0xB) & _MASK
        value = self.seed >> (48 - bits)
        return value - (1 << 32) if value >= 1 << 31 else value

    def next_int(self, bound):
        if bound & -bound == bound:
            return (bound * self.next_bits(31)) >> 31
        while True:
            bits = self.next_bits(31)
            value = bits % bound
            if bits - value + (bound - 1) < 1 << 31:
                return value


def java_shuffle(items, seed):
    """Collections.shuffle(items, new Random(seed)) on a random-access list, in place."""
    random = JavaRandom(seed)
    for i in range(len(items), 1, -1):
        j = random.next_int(i)
        items[i - 1], items[j] = items[j], items[i - 1]


def read_couplets(path):
    opener = gzip.open if path.endswith(".gz") else open
    couplets = []
    with opener(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
                sys.exit(f"{path}:{number}: expected 上联<TAB>下联, both non-empty")
            couplets.append((fields[0].strip(), fields[1].strip()))
    return couplets


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else \
        "examples/src/main/resources/bert4j/examples/couplets.tsv.gz"
    output = sys.argv[2] if len(sys.argv) > 2 else \
        "examples/src/main/resources/bert4j/examples/couplets_spm.model"
    couplets = read_couplets(data)
    java_shuffle(couplets, SEED)
    held_out = max(1, len(couplets) // 20)
    train = couplets[held_out:]
    print(f"{len(couplets)} pairs: training the model on {len(train)}, leaving out {held_out} "
          f"(the first held out: {couplets[0][0]} / {couplets[0][1]})")
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter([half for pair in train for half in pair]),
        model_writer=model,
        model_type="unigram",
        vocab_size=VOCAB_SIZE,
        # The halves correspond character by character: one piece per character keeps that.
        max_sentencepiece_length=1,
        character_coverage=0.998,
        hard_vocab_limit=False,
        # Couplets have no spaces and must come back exactly: no ▁ prefix, no NFKC.
        add_dummy_prefix=False,
        normalization_rule_name="identity",
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
        num_threads=2,
        minloglevel=1)
    with open(output, "wb") as out:
        out.write(model.getvalue())
    processor = sentencepiece.SentencePieceProcessor(model_proto=model.getvalue())
    print(f"wrote {output}: {processor.get_piece_size()} pieces")


if __name__ == "__main__":
    main()
