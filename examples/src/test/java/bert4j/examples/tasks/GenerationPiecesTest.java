package bert4j.examples.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.text.Vocabulary;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The generation examples' parts: BLEU against hand-computed values, the vocabulary, the form, the options. */
class GenerationPiecesTest {
  private static List<String> chars(String s) {
    return CoupletGeneration.chars(s);
  }

  @Test
  void bleuMatchesHandComputedValues() {
    CharBleu same = new CharBleu();
    same.add(chars("海阔凭鱼跃"), chars("海阔凭鱼跃"));
    assertEquals(1.0, same.score(), 1e-12);

    // 1- to 4-gram precisions 4/5, 3/4, 2/3, 1/2; same length, no brevity penalty
    CharBleu oneWrong = new CharBleu();
    oneWrong.add(chars("ABCDE"), chars("ABCDF"));
    assertEquals(Math.pow(0.8 * 0.75 * (2.0 / 3) * 0.5, 0.25), oneWrong.score(), 1e-12);

    // every n-gram matches, output 4 of 6 characters: brevity penalty exp(1 − 6/4)
    CharBleu short4 = new CharBleu();
    short4.add(chars("ABCD"), chars("ABCDEF"));
    assertEquals(Math.exp(-0.5), short4.score(), 1e-12);

    // clipped: "AAAA" against "ABCA" matches A twice of four; no 4-gram → 0
    CharBleu clipped = new CharBleu();
    clipped.add(chars("AAAA"), chars("ABCA"));
    assertEquals(0, clipped.score());

    // counts add over the corpus before the precisions: (4+5)/(5+5) unigrams etc.
    CharBleu corpus = new CharBleu();
    corpus.add(chars("ABCDE"), chars("ABCDF"));
    corpus.add(chars("VWXYZ"), chars("VWXYZ"));
    assertEquals(Math.pow(0.9 * (7.0 / 8) * (5.0 / 6) * 0.75, 0.25), corpus.score(), 1e-12);
  }

  @Test
  void theVocabularyHoldsTheCommonestCharactersThenFillers() {
    Vocabulary v = CharVocabulary.of(List.of("春风春", "风 月春"), 7);
    assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "春", "风", "月"), v.tokens());
    Vocabulary cut = CharVocabulary.of(List.of("春风春", "风月春"), 5);
    assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "春"), cut.tokens());
    Vocabulary filled = CharVocabulary.of(List.of("春"), 7);
    assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "春", "[unused1]", "[unused2]"),
        filled.tokens());
    assertThrows(IllegalArgumentException.class, () -> CharVocabulary.of(List.of("春"), 4));
  }

  @Test
  void theQuatrainFormIsFourLinesOfFiveOrOfSeven() {
    assertTrue(PoemGeneration.QUATRAIN.matcher("白日依山盡，黃河入海流。欲窮千里目，更上一層樓。").matches());
    assertTrue(PoemGeneration.QUATRAIN.matcher("朝辭白帝彩雲間，千里江陵一日還。兩岸猿聲啼不住，輕舟已過萬重山。")
        .matches());
    assertFalse(PoemGeneration.QUATRAIN.matcher("白日依山盡，黃河入海流。欲窮千里目，更上一層樓").matches());
    assertFalse(PoemGeneration.QUATRAIN.matcher("白日依山盡，黃河入海流。欲窮千里目，更上一層樓。又一句，").matches());
    assertFalse(PoemGeneration.QUATRAIN.matcher("白日依山盡，黃河入海流。兩岸猿聲啼不住，輕舟已過萬重山。").matches());
    assertFalse(PoemGeneration.QUATRAIN.matcher("白日依山盡。黃河入海流，欲窮千里目，更上一層樓。").matches());
  }

  @Test
  void optionsAreCheckedByName() {
    ExampleArgs args = new ExampleArgs(new String[] {"--epochs=3", "春风", "--data=x.tsv", "明月"},
        Set.of("data", "epochs"));
    assertEquals(3, args.integer("epochs", 5));
    assertEquals("x.tsv", args.text("data"));
    assertEquals(List.of("春风", "明月"), args.texts());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> new ExampleArgs(new String[] {"--epoch=3"}, Set.of("data", "epochs")));
    assertTrue(unknown.getMessage().startsWith("unknown option --epoch=3"), unknown.getMessage());
    IllegalArgumentException number = assertThrows(IllegalArgumentException.class,
        () -> new ExampleArgs(new String[] {"--epochs=three"}, Set.of("epochs")).integer("epochs", 1));
    assertEquals("--epochs=three is not an integer", number.getMessage());
  }
}
