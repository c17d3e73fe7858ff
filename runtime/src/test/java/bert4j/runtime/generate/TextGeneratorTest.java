package bert4j.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.text.Tokenizer;
import bert4j.runtime.text.Vocabulary;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Text in, text out: the prompts the two forms build, and the decoded outputs of the token calls. */
class TextGeneratorTest {
  private static final Tokenizer TOKENIZER = Tokenizer.builder(Vocabulary.of(List.of(
      "[PAD]", "[UNK]", "[CLS]", "[SEP]", "春", "风", "花", "月", "夜", "，"))).build();
  private static final int SEP = 3;

  private static AutoRegressiveDecoder decoder(int maxLength) {
    return new AutoRegressiveDecoder(new PrefixHashLm(10, 8, maxLength, SEP, 0),
        DecodeLimits.of(SEP, 4).withMinTokens(1));
  }

  @Test
  void sourcePromptsAreClsTextSepAndContinuationsLeaveTheSepOut() {
    TextGenerator source = new TextGenerator(decoder(16), TOKENIZER, PromptForm.SOURCE);
    TextGenerator continuation = new TextGenerator(decoder(16), TOKENIZER, PromptForm.CONTINUATION);
    assertArrayEquals(new int[][] {{2, 4, 5, 3}, {2, 3}},
        source.prompts(List.of("春风", "")));
    assertArrayEquals(new int[][] {{2, 4, 5, 9, 6}, {2}},
        continuation.prompts(List.of("春风，花", "")));
  }

  @Test
  void aTextTooLongForTheModelLosesItsLastTokens() {
    // maxLength 8, maxTokens 4: room for 5 prompt tokens
    assertArrayEquals(new int[][] {{2, 4, 5, 6, 3}},
        new TextGenerator(decoder(8), TOKENIZER, PromptForm.SOURCE).prompts(List.of("春风花月夜")));
    assertArrayEquals(new int[][] {{2, 4, 5, 6, 7}},
        new TextGenerator(decoder(8), TOKENIZER, PromptForm.CONTINUATION).prompts(List.of("春风花月夜")));
  }

  @Test
  void textCallsDecodeWhatTheTokenCallsGenerate() {
    AutoRegressiveDecoder decoder = decoder(16);
    TextGenerator generator = new TextGenerator(decoder, TOKENIZER, PromptForm.SOURCE);
    List<String> texts = List.of("春风", "花月夜");
    int[][] prompts = generator.prompts(texts);
    int[][] beams = decoder.beamSearch(prompts, null, BeamSearch.of(3));
    List<String> beamTexts = generator.beamSearch(texts, BeamSearch.of(3));
    int[][] greedy = decoder.greedy(prompts, null);
    List<String> greedyTexts = generator.greedy(texts);
    int[][][] samples = decoder.sample(prompts, null, Sampling.seeded(3).withSamples(2));
    List<List<String>> sampleTexts = generator.sample(texts, Sampling.seeded(3).withSamples(2));
    for (int i = 0; i < texts.size(); i++) {
      assertEquals(TOKENIZER.decode(beams[i]), beamTexts.get(i));
      assertEquals(TOKENIZER.decode(greedy[i]), greedyTexts.get(i));
      assertTrue(!beamTexts.get(i).isEmpty(), "minTokens 1: never empty");
      for (int j = 0; j < 2; j++) {
        assertEquals(TOKENIZER.decode(samples[i][j]), sampleTexts.get(i).get(j));
      }
    }
  }

  @Test
  void aTokenizerOfAnotherVocabularyIsAnError() {
    AutoRegressiveDecoder decoder = new AutoRegressiveDecoder(new PrefixHashLm(12, 8, 16, SEP, 0),
        DecodeLimits.of(SEP, 4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TextGenerator(decoder, TOKENIZER, PromptForm.SOURCE));
    assertEquals("the tokenizer has 10 tokens, the model's vocab is 12", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new TextGenerator(decoder(16), TOKENIZER, PromptForm.SOURCE).greedy(List.of()));
  }
}
