package bert4j.examples.tasks;

import bert4j.runtime.text.Vocabulary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A character vocabulary of a fixed size built from training texts, as bert4keras's from-scratch
 * examples build theirs: [PAD], [UNK], [CLS], [SEP], any tokens the example reserves for itself, then
 * the characters by falling frequency (ties in code point order); rarer characters become [UNK]. A spec fixes its vocab at compile time, so a corpus
 * with fewer characters fills the rest with {@code [unusedN]} tokens that never occur.
 */
final class CharVocabulary {
  private static final List<String> SPECIAL = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]");

  private CharVocabulary() {}

  /** The {@code size} tokens for {@code texts}, {@code reserved} right after the special tokens. */
  static Vocabulary of(List<String> texts, int size, String... reserved) {
    List<String> tokens = new ArrayList<>(SPECIAL);
    tokens.addAll(List.of(reserved));
    if (size <= tokens.size()) {
      throw new IllegalArgumentException("a vocabulary of " + size + " tokens has no room for a "
          + "character after " + tokens);
    }
    Map<Integer, Integer> counts = new HashMap<>();
    for (String text : texts) {
      text.codePoints().filter(c -> !Character.isWhitespace(c)).forEach(c -> counts.merge(c, 1, Integer::sum));
    }
    List<Integer> chars = new ArrayList<>(counts.keySet());
    chars.sort(Comparator.comparing((Integer c) -> -counts.get(c)).thenComparing(c -> c));
    for (int i = 0; i < chars.size() && tokens.size() < size; i++) {
      tokens.add(Character.toString(chars.get(i)));
    }
    for (int unused = 1; tokens.size() < size; unused++) {
      tokens.add("[unused" + unused + "]");
    }
    return Vocabulary.of(tokens);
  }
}
