package bert4j.examples.tasks;

import bert4j.runtime.data.Sample;
import bert4j.runtime.text.Tokenizer;
import java.util.Arrays;

/**
 * How {@link CoupletGeneration} lays a couplet out for its UniLM: {@code [CLS] first [FILL]… [SEP]
 * second [SEP]}, the first half (segment 0) left-aligned in a slot of {@code maxChars} tokens whose
 * rest is the filler token, the second half and its closing [SEP] in segment 1. Each character of the
 * second half then sits {@code maxChars + 1} positions after its counterpart in the first half,
 * whatever the couplet's length, so the model learns one fixed offset instead of one per length (with
 * the plain {@code [CLS] first [SEP] second [SEP]} the offset is the first half's length plus one).
 */
final class CoupletLayout {
  /** The filler token; it must be in the tokenizer's vocabulary. */
  static final String FILLER = "[FILL]";

  private final Tokenizer tokenizer;
  private final int maxChars;
  private final int filler;

  /** A layout whose halves have at most {@code maxChars} tokens. */
  CoupletLayout(Tokenizer tokenizer, int maxChars) {
    if (tokenizer.tokenToId(FILLER) == tokenizer.unkId()) {
      throw new IllegalArgumentException("the vocabulary has no " + FILLER + " token: reserve it "
          + "when building the vocabulary");
    }
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars=" + maxChars + " must be at least 1");
    }
    this.tokenizer = tokenizer;
    this.maxChars = maxChars;
    this.filler = tokenizer.tokenToId(FILLER);
  }

  /** Tokens of a whole couplet: [CLS], the slot, [SEP], a second half of maxChars, [SEP]. */
  int maxLength() {
    return 2 * maxChars + 3;
  }

  /** The token ids of one half, without [CLS] and [SEP]. */
  int[] half(String text) {
    int[] ids = tokenizer.encode(text).tokenIds();
    if (ids.length - 2 > maxChars) {
      throw new IllegalArgumentException("\"" + text + "\" has " + (ids.length - 2) + " tokens, more "
          + "than the " + maxChars + " a half may have");
    }
    return Arrays.copyOfRange(ids, 1, ids.length - 1);
  }

  /** {@code [CLS] first [FILL]… [SEP]}, all in segment 0: what the second half is generated after. */
  int[] prompt(String first) {
    int[] ids = half(first);
    int[] prompt = new int[maxChars + 2];
    Arrays.fill(prompt, filler);
    prompt[0] = tokenizer.clsId();
    System.arraycopy(ids, 0, prompt, 1, ids.length);
    prompt[maxChars + 1] = tokenizer.sepId();
    return prompt;
  }

  /** The training sample of a couplet: the prompt of its first half, then its second half and [SEP]. */
  Sample sample(String first, String second) {
    int[] prompt = prompt(first);
    int[] target = half(second);
    int[] tokens = Arrays.copyOf(prompt, prompt.length + target.length + 1);
    System.arraycopy(target, 0, tokens, prompt.length, target.length);
    tokens[tokens.length - 1] = tokenizer.sepId();
    int[] segments = new int[tokens.length];
    Arrays.fill(segments, prompt.length, tokens.length, 1);
    return Sample.of(tokens, segments);
  }
}
