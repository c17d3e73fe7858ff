package bert4j.runtime.text.sentencepiece;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import bert4j.runtime.text.Encoding;
import bert4j.runtime.text.TokenSpan;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's SentencePiece example gives what the README says (values from the library). */
class SentencePieceReadmeTest {
  @Test
  void theReadmeExample() {
    SentencePieceTokenizer sp = SentencePieceFixtures.model("unigram");
    Encoding e = sp.encode("Hello, 世界！");
    assertArrayEquals(new int[] {264, 501, 1407, 931, 373, 261, 264, 770, 2329}, e.tokenIds());
    assertEquals(new TokenSpan(7, 9), e.span(7));
    assertEquals(List.of("▁", "H", "el", "l", "o", ",", "▁", "世界", "!"), sp.tokenize("Hello, 世界！"));
    assertEquals("Hello, 世界!", sp.decode(e.tokenIds()));
    assertEquals(1, sp.eosId());
  }
}
