"""Makes the SentencePiece fixtures of SentencePieceTokenizerTest with the reference library.

Run from the repository root with Debian's python3-sentencepiece (0.1.97):

    apt-get install -y python3-sentencepiece
    /usr/bin/python3 runtime/src/test/resources/bert4j/runtime/text/sentencepiece/make.py \
        ../shared/data/datasets

It trains two models on Chinese + English text (CSL abstracts and titles, CMRC 2018 paragraphs and
questions; see README.md for sources and licences) and writes, next to this script:

- unigram.model: unigram, 4,000 pieces, byte fallback, T5's special ids (pad 0, eos 1, unk 2, no bos);
- bpe.model: BPE, 4,000 pieces, no byte fallback (unknown characters become <unk>), default ids;
  both with nmt_nfkc normalization and two user-defined symbols;
- options.model: BPE, 3,000 pieces (coverage 0.98), byte fallback, and the options the others leave at their defaults:
  no normalization rules (identity), no dummy prefix, extra whitespace kept, whitespace as a suffix,
  and denormalization rules for decoded text (! and ? to their full-width forms);
- cases.jsonl.gz: 2,000 test lines (held-out text with mixed scripts, digits, punctuation,
  full-width characters, repeated spaces, emoji and rare characters), one JSON object per line:
  {"text", "unigram": {...}, "bpe": {...}, "options": {...}} where each model's object holds the library's "ids",
  "pieces", UTF-16 "starts" and "ends" of each piece in the text, and "decoded" (decode of the ids);
- decode.jsonl.gz: per model, 300 random id sequences (with byte, control and unknown ids) and the
  library's decode of each: {"model", "ids", "text"}.
"""
import gzip
import json
import os
import random
import sys

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
USER_SYMBOLS = ["<mask>", "[SEP]"]
MODELS = ("unigram", "bpe", "options")


def training_text(datasets):
    lines = []
    with open(os.path.join(datasets, "csl_title_abstract_dev.tsv"), encoding="utf-8") as f:
        for row in f:
            lines.extend(part for part in row.rstrip("\n").split("\t") if part)
    with open(os.path.join(datasets, "cmrc2018_dev.jsonl"), encoding="utf-8") as f:
        for row in f:
            paragraph = json.loads(row)
            lines.append(paragraph["context"])
            lines.extend(qa["question"] for qa in paragraph["qas"])
    return lines


def held_out_text(datasets):
    lines = []
    with open(os.path.join(datasets, "csl_title_abstract_test.tsv"), encoding="utf-8") as f:
        for row in f:
            lines.extend(part for part in row.rstrip("\n").split("\t") if part)
    with open(os.path.join(datasets, "cmrc2018_trial.jsonl"), encoding="utf-8") as f:
        for row in f:
            paragraph = json.loads(row)
            lines.append(paragraph["context"])
            lines.extend(qa["question"] for qa in paragraph["qas"])
    return [line for line in lines if line]


ENGLISH = ["The quick brown fox jumps over the lazy dog.", "Hello, World!", "naïve café résumé",
           "SentencePiece is an unsupervised text tokenizer.", "x = 3.14159; y = 2e-10",
           "e-mail: someone@example.com", "NASA's GPS-III launched in 2018", "ＡＢＣ　ｄｅｆ　１２３"]
RARE = ["😀", "🚀", "👍🏽", "𠀀", "𪚥", "龘", "\u3000", "\t", "ﬁ", "①", "㍿", "Ⅻ", "™", "½", "\u200b",
        "é", "\ufeff", "→", "ß", "Ω", "ㄅ", "ア", "ｶﾞ", "한국어", "العربية", "ไทย", "\u0301"]
PUNCT = ["，", "。", "！", "？", "、", "；", "：", "“", "”", "（", "）", "《", "》", "…", "—", ",", ".",
         "!", "?", "(", ")", "[", "]", "\"", "'", "-", "/", "%", "#", "&", "*", "@"]


def to_full_width(text):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c)
                   for c in text)


def test_line(rng, held_out):
    """One test line: a slice of held-out text with perturbations of the kinds the tokenizer meets."""
    source = rng.choice(held_out)
    start = rng.randrange(len(source))
    text = source[start:start + rng.randint(1, 100)]
    for _ in range(rng.randint(0, 4)):
        kind = rng.randrange(8)
        at = rng.randint(0, len(text))
        if kind == 0:
            insert = " " * rng.randint(1, 4)
        elif kind == 1:
            insert = rng.choice(ENGLISH)
        elif kind == 2:
            insert = rng.choice(RARE) * rng.randint(1, 3)
        elif kind == 3:
            insert = str(rng.randint(0, 10 ** rng.randint(1, 9)))
        elif kind == 4:
            insert = rng.choice(PUNCT)
        elif kind == 5:
            insert = to_full_width(rng.choice(ENGLISH))
        elif kind == 6:
            insert = rng.choice(USER_SYMBOLS)
        else:
            insert = "\n" if rng.random() < 0.5 else "  \t "
        text = text[:at] + insert + text[at:]
    if rng.random() < 0.1:
        text = " " * rng.randint(1, 3) + text + " " * rng.randint(0, 3)
    return text


def utf16_index(text, code_point_offset):
    """The Python wrapper's offsets count code points; Java's count UTF-16 units."""
    return len(text[:code_point_offset].encode("utf-16-le")) // 2


def expected(processor, text):
    proto = processor.EncodeAsImmutableProto(text)
    ids = [p.id for p in proto.pieces]
    assert ids == processor.EncodeAsIds(text)
    pieces = [p.piece for p in proto.pieces]
    assert pieces == processor.EncodeAsPieces(text)
    return {"ids": ids, "pieces": pieces,
            "starts": [utf16_index(text, p.begin) for p in proto.pieces],
            "ends": [utf16_index(text, p.end) for p in proto.pieces],
            "decoded": processor.DecodeIds(ids)}


def train(datasets):
    corpus = os.path.join(HERE, "corpus.tmp.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        for line in training_text(datasets):
            f.write(line.replace("\n", " ") + "\n")
    common = dict(input=corpus, vocab_size=4000, character_coverage=0.995,
                  normalization_rule_name="nmt_nfkc", user_defined_symbols=USER_SYMBOLS,
                  num_threads=2, minloglevel=2, input_sentence_size=0, shuffle_input_sentence=False)
    spm.SentencePieceTrainer.Train(model_prefix=os.path.join(HERE, "unigram"), model_type="unigram",
                                   byte_fallback=True, pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
                                   **common)
    spm.SentencePieceTrainer.Train(model_prefix=os.path.join(HERE, "bpe"), model_type="bpe",
                                   byte_fallback=False, **common)
    denormalization = os.path.join(HERE, "denormalization.tmp.tsv")
    with open(denormalization, "w", encoding="utf-8") as f:
        f.write("21\tFF01\n3F\tFF1F\n")  # decoded ! and ? become full-width
    options = dict(common, vocab_size=3000, character_coverage=0.98,
                   normalization_rule_name="identity")
    spm.SentencePieceTrainer.Train(model_prefix=os.path.join(HERE, "options"), model_type="bpe",
                                   byte_fallback=True, add_dummy_prefix=False,
                                   remove_extra_whitespaces=False, treat_whitespace_as_suffix=True,
                                   denormalization_rule_tsv=denormalization, **options)
    os.remove(corpus)
    os.remove(denormalization)
    for name in MODELS:
        os.remove(os.path.join(HERE, name + ".vocab"))


def main():
    datasets = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/datasets"
    train(datasets)
    models = {name: spm.SentencePieceProcessor(model_file=os.path.join(HERE, name + ".model"))
              for name in MODELS}
    rng = random.Random(20261130)
    held_out = held_out_text(datasets)
    texts = ["", " ", "   ", "\t\n", "▁", "▁▁a", "<mask>", "a<mask>b [SEP]  [SEP]", "😀😀😀",
             "𠀀𠀁", "ＡＢＣ", "Ⅻ ㍿ ①"]
    while len(texts) < 2000:
        texts.append(test_line(rng, held_out))
    with gzip.open(os.path.join(HERE, "cases.jsonl.gz"), "wt", encoding="utf-8") as f:
        for text in texts:
            case = {"text": text}
            for name, processor in models.items():
                case[name] = expected(processor, text)
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
    with gzip.open(os.path.join(HERE, "decode.jsonl.gz"), "wt", encoding="utf-8") as f:
        for name, processor in models.items():
            size = processor.GetPieceSize()
            for _ in range(300):
                ids = [rng.randrange(size) if rng.random() < 0.6 else rng.randrange(min(size, 300))
                       for _ in range(rng.randint(0, 20))]
                f.write(json.dumps({"model": name, "ids": ids, "text": processor.DecodeIds(ids)},
                                   ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
