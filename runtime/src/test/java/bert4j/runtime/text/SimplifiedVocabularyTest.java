package bert4j.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** bert4keras's simplified vocabulary and the keep tokens a loader applies to the embedding. */
class SimplifiedVocabularyTest {
  private static final Vocabulary SMALL = Vocabulary.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]",
      "[MASK]", "[unused1]", "a", "##b", "你", "你好", "##好", "hello", "##ing", "x.y", "##"));

  @Test
  void keepsSingleCharactersAndPiecesWithoutCjkOrPunctuation() {
    SimplifiedVocabulary s = SMALL.simplified();
    assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "##b", "你", "hello", "##ing", "##"),
        s.vocabulary().tokens());
    assertArrayEquals(new int[] {0, 1, 2, 3, 6, 7, 8, 11, 12, 14}, s.keepTokens().ids());
  }

  @Test
  void startTokensComeFirstInTheirOrder() {
    SimplifiedVocabulary s = SMALL.simplified(List.of("[CLS]", "[SEP]", "[UNK]", "[MASK]"));
    assertEquals(List.of("[CLS]", "[SEP]", "[UNK]", "[MASK]", "a", "##b", "你", "hello", "##ing", "##"),
        s.vocabulary().tokens());
    assertArrayEquals(new int[] {2, 3, 1, 4, 6, 7, 8, 11, 12, 14}, s.keepTokens().ids());
  }

  @Test
  void theChineseVocabularyShrinksAsInBert4keras() {
    // bert4keras: load_vocab(dict_path, simplified=True, startswith=['[PAD]', '[UNK]', '[CLS]', '[SEP]'])
    // keeps 13,584 of 21,128 tokens; [MASK] (103), <S> and <T> go.
    SimplifiedVocabulary s = ChineseVocab.vocabulary().simplified();
    assertEquals(13584, s.vocabulary().size());
    int[] keep = s.keepTokens().ids();
    assertArrayEquals(new int[] {0, 100, 101, 102, 106, 107}, java.util.Arrays.copyOf(keep, 6));
    assertEquals(21127, keep[keep.length - 1]);
    assertFalse(s.vocabulary().contains("[MASK]"));
    Tokenizer small = Tokenizer.builder(s.vocabulary()).build();
    Tokenizer full = ChineseVocab.LOWERCASE;
    String text = "今天天气不错, hello world 2023!";
    int[] newIds = small.encode(text).tokenIds();
    int[] oldIds = full.encode(text).tokenIds();
    for (int i = 0; i < newIds.length; i++) {
      assertEquals(oldIds[i], keep[newIds[i]], "token " + i + " maps back to the old id");
    }
  }

  @Test
  void unknownStartTokenOrMissingRequiredToken() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> SMALL.simplified(List.of("[PAD]", "[NOPE]")));
    assertTrue(unknown.getMessage().contains("'[NOPE]'"), unknown.getMessage());
    IllegalArgumentException noCls = assertThrows(IllegalArgumentException.class,
        () -> SMALL.simplified(List.of("[UNK]", "[SEP]")));
    assertTrue(noCls.getMessage().contains("lacks the token [CLS]"), noCls.getMessage());
  }

  @Test
  void keepTokensSelectEmbeddingRowsAndBiasEntries() {
    KeepTokens keep = new KeepTokens(new int[] {2, 0});
    FloatTensor embedding = new FloatTensor(new int[] {3, 2}, new float[] {0, 1, 10, 11, 20, 21});
    assertEquals(new FloatTensor(new int[] {2, 2}, new float[] {20, 21, 0, 1}),
        keep.apply("word_embeddings", embedding));
    FloatTensor bias = new FloatTensor(new int[] {3}, new float[] {5, 6, 7});
    assertEquals(new FloatTensor(new int[] {2}, new float[] {7, 5}), keep.apply("output_bias", bias));
  }

  @Test
  void keepTokensRejectTensorsTheyDoNotFit() {
    KeepTokens keep = new KeepTokens(new int[] {5});
    FloatTensor embedding = new FloatTensor(new int[] {3, 2}, new float[6]);
    IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
        () -> keep.apply("word_embeddings", embedding));
    assertTrue(rows.getMessage().contains("word_embeddings has only 3 rows"), rows.getMessage());
    FloatTensor cube = new FloatTensor(new int[] {1, 1, 1}, new float[1]);
    assertThrows(IllegalArgumentException.class, () -> keep.apply("x", cube));
    assertThrows(IllegalArgumentException.class, () -> new KeepTokens(new int[] {-1}));
  }
}
