package bert4j.runtime.generate;

import bert4j.runtime.text.Encoding;
import bert4j.runtime.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Text in, text out: each text becomes a prompt through the tokenizer ({@link PromptForm}; a text too
 * long for the model loses its last tokens, as bert4keras's {@code max_c_len} cuts it), the
 * {@link AutoRegressiveDecoder} generates, and the tokenizer's {@link Tokenizer#decode} turns the
 * generated ids back into text (the continuation only, without the prompt).
 */
public final class TextGenerator {
  private final AutoRegressiveDecoder decoder;
  private final Tokenizer tokenizer;
  private final PromptForm form;

  /** Generates with {@code decoder}, reading and writing text with {@code tokenizer}. */
  public TextGenerator(AutoRegressiveDecoder decoder, Tokenizer tokenizer, PromptForm form) {
    if (decoder == null || tokenizer == null || form == null) {
      throw new IllegalArgumentException("a text generator needs a decoder, a tokenizer and a prompt "
          + "form, got " + decoder + ", " + tokenizer + ", " + form);
    }
    if (tokenizer.vocabSize() != decoder.lm().vocab()) {
      throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " tokens, the "
          + "model's vocab is " + decoder.lm().vocab());
    }
    this.decoder = decoder;
    this.tokenizer = tokenizer;
    this.form = form;
  }

  /** The greedy output for each text. */
  public List<String> greedy(List<String> texts) {
    return decode(decoder.greedy(prompts(texts), null));
  }

  /** The beam-search output for each text. */
  public List<String> beamSearch(List<String> texts, BeamSearch search) {
    return decode(decoder.beamSearch(prompts(texts), null, search));
  }

  /** {@code sampling.samples()} random outputs for each text. */
  public List<List<String>> sample(List<String> texts, Sampling sampling) {
    List<List<String>> out = new ArrayList<>();
    for (int[][] samples : decoder.sample(prompts(texts), null, sampling)) {
      out.add(decode(samples));
    }
    return out;
  }

  /** The prompt of each text, cut to leave room for the longest output. */
  int[][] prompts(List<String> texts) {
    if (texts == null || texts.isEmpty()) {
      throw new IllegalArgumentException("no texts: give at least one");
    }
    int room = decoder.lm().maxLength() - decoder.limits().maxTokens() + 1;
    int[][] prompts = new int[texts.size()][];
    for (int i = 0; i < prompts.length; i++) {
      String text = texts.get(i);
      if (text == null) {
        throw new IllegalArgumentException("text " + i + " is null");
      }
      if (form == PromptForm.SOURCE) {
        if (room < 2) {
          throw new IllegalArgumentException("maxTokens=" + decoder.limits().maxTokens() + " leaves "
              + room + " positions of maxLength=" + decoder.lm().maxLength() + " for [CLS] text [SEP]");
        }
        prompts[i] = tokenizer.encode(text, room).tokenIds();
      } else {
        Encoding e = tokenizer.encode(text, room + 1);
        prompts[i] = Arrays.copyOf(e.tokenIds(), e.length() - 1);
      }
    }
    return prompts;
  }

  private List<String> decode(int[][] outputs) {
    List<String> texts = new ArrayList<>();
    for (int[] output : outputs) {
      texts.add(tokenizer.decode(output));
    }
    return texts;
  }
}
