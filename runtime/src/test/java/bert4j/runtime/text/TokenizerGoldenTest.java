package bert4j.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tokenizations with the Chinese BERT vocabulary (lowercasing, as bert4keras examples use it).
 * Every expected list was worked out by hand: each piece and the absence of a longer one were looked up
 * in vocab.txt with grep (for example "2023" is absent, "202" and "##3" present; “ and ” are absent
 * from this vocabulary, so Chinese curly quotes are [UNK]).
 */
class TokenizerGoldenTest {
  private static final Tokenizer TOKENIZER = ChineseVocab.LOWERCASE;

  static Stream<Arguments> lowercaseCases() {
    return Stream.of(
        // Chinese: every ideograph is a token of its own.
        c("今天天气不错", "今 天 天 气 不 错"),
        c("我爱北京天安门。", "我 爱 北 京 天 安 门 。"),
        c("你好，世界！", "你 好 ， 世 界 ！"),
        c("中华人民共和国", "中 华 人 民 共 和 国"),
        c("一二三四五六七八九十", "一 二 三 四 五 六 七 八 九 十"),
        c("臺灣", "臺 灣"),
        c("《红楼梦》", "《 红 楼 梦 》"),
        c("“引号”", "[UNK] 引 号 [UNK]"),
        c("\uD840\uDC00", "[UNK]"), // U+20000, CJK extension B, not in the vocabulary
        c("\uF900", "\u8C48"), // a compatibility ideograph decomposes to its unified one
        // English: lowercased, split at punctuation, longest-match WordPiece.
        c("hello world", "hello world"),
        c("Hello World", "hello world"),
        c("HELLO", "hello"),
        c("don't", "don ' t"),
        c("U.S.A.", "u . s . a ."),
        c("e-mail", "e - mail"),
        c("hellohello", "hello ##he ##llo"),
        c("hashtag", "has ##ht ##ag"),
        c("#hashtag", "# has ##ht ##ag"),
        c("example", "ex ##am ##ple"),
        c("email@example.com", "email @ ex ##am ##ple . com"),
        c("<b>hi</b>", "< b > hi < / b >"),
        c("bert4keras", "be ##rt ##4 ##ker ##as"),
        c("nlp", "n ##lp"),
        // All non-alphanumeric ASCII is punctuation, symbols too; special tokens in text are text.
        c("x_y", "x _ y"),
        c("a+b=c", "a + b = c"),
        c("$100", "$ 100"),
        c("^_^", "^ _ ^"),
        c("~`|", "~ [UNK] |"),
        c("[MASK]", "[ ma ##sk ]"),
        c("[CLS]", "[ cl ##s ]"),
        // Digits.
        c("2023年", "202 ##3 年"),
        c("3.14", "3 . 14"),
        c("1,000,000", "1 , 000 , 000"),
        c("123456789", "123456 ##78 ##9"),
        c("python3", "python ##3"),
        // Full-width forms stay full-width (NFD does not fold them); full-width punctuation splits.
        c("ＡＢＣ", "ａ ##ｂ ##ｃ"),
        c("１２３", "１２ ##３"),
        c("Ｈｅｌｌｏ", "ｈ ##ｅ ##ｌ ##ｌ ##ｏ"),
        c("（你好）", "（ 你 好 ）"),
        c("你好？！", "你 好 ？ ！"),
        c("你\u3000好", "你 好"),
        // Emoji: single pieces where the vocabulary has them; ZWJ (a format character) is dropped.
        c("\uD83D\uDE00", "[UNK]"),
        c("我\u2764你", "我 \u2764 你"),
        c("\uD83D\uDC4D\uD83D\uDC4D", "\uD83D\uDC4D ##\uD83D\uDC4D"),
        c("好\uD83D\uDC4D", "好 \uD83D\uDC4D"),
        c("\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67", "[UNK]"),
        // Accents are stripped after lowercasing; other scripts decompose under NFD.
        c("Café", "cafe"),
        c("naïve", "na ##ive"),
        c("Ångström", "an ##gs ##tro ##m"),
        c("ÉCOLE", "eco ##le"),
        c("cafe\u0301", "cafe"),
        c("\u0301", ""),
        c("\u0130stanbul", "is ##tan ##bu ##l"),
        c("ΟΔΟΣ", "ο ##δ ##ο ##ς"), // final sigma
        c("ありがとう", "あり ##か ##とう"), // が = か + a combining voiced mark, stripped
        c("한국", "ᄒ ##ᅡ ##ᆫ ##ᄀ ##ᅮ ##ᆨ"), // Hangul syllables decompose into jamo
        // Control and format characters are dropped; whitespace of every kind separates.
        c("a\u0000b", "ab"),
        c("hel\u00ADlo", "hello"),
        c("a\tb\nc\rd", "a b c d"),
        c("\uFEFFhello", "hello"),
        c("\uFFFD", ""),
        c("a\u000Bb", "ab"),
        c("你\u200B好", "你 好"),
        c("\u0007hello\u007F", "hello"),
        c("\uE000", "[UNK]"), // private use: kept, as bert4keras does (Hugging Face drops it)
        c("a\u2028b", "a b"),
        c("a\u00A0b", "a b"),
        // Word length: up to 200 code points are split, longer words are [UNK].
        c("h".repeat(200), "h" + " ##h".repeat(199)),
        c("h".repeat(201), "[UNK]"),
        c("u".repeat(50) + " " + "h".repeat(201) + " ok", "u" + " ##u".repeat(49) + " [UNK] ok"),
        // Empty and whitespace-only input.
        c("", ""),
        c("   \t\n  ", ""),
        c("\u3000\u00A0\u2028", ""),
        c("\u0000\u200B", ""),
        // Mixed.
        c("我用iPhone 12拍照", "我 用 iphone 12 拍 照"),
        c("BERT模型在NLP中的应用", "be ##rt 模 型 在 n ##lp 中 的 应 用"),
        c("Python3.8发布了", "python ##3 . 8 发 布 了"),
        c("iPhone12", "iphone ##12"),
        c("价格：$99.9元", "价 格 ： $ 99 . 9 元"));
  }

  private static Arguments c(String text, String expected) {
    return Arguments.of(text, expected.isEmpty() ? List.of() : List.of(expected.split(" ")));
  }

  @ParameterizedTest
  @MethodSource("lowercaseCases")
  void tokenizesLikeBert4keras(String text, List<String> expected) {
    List<String> withSpecials = new ArrayList<>();
    withSpecials.add("[CLS]");
    withSpecials.addAll(expected);
    withSpecials.add("[SEP]");
    for (String token : expected) {
      assertTrue(TOKENIZER.vocabulary().contains(token), "expected token not in vocab: " + token);
    }
    assertEquals(withSpecials, TOKENIZER.tokenize(text));
    assertArrayEquals(TOKENIZER.tokensToIds(withSpecials), TOKENIZER.encode(text).tokenIds());
  }

  @Test
  void casedTokenizerKeepsCaseAndAccents() {
    Tokenizer cased = ChineseVocab.CASED;
    assertEquals(List.of("[CLS]", "hello", "[SEP]"), cased.tokenize("hello"));
    assertEquals(List.of("[CLS]", "[UNK]", "[SEP]"), cased.tokenize("Hello")); // no uppercase pieces
    assertEquals(List.of("[CLS]", "[UNK]", "[SEP]"), cased.tokenize("Café"));
    assertEquals(List.of("[CLS]", "[UNK]", "[SEP]"), cased.tokenize("cafe\u0301")); // no "##\u0301"
    assertEquals(List.of("[CLS]", "你", "好", "[SEP]"), cased.tokenize("你好"));
  }

  @Test
  void maxWordLengthIsAnOption() {
    Tokenizer five = Tokenizer.builder(ChineseVocab.vocabulary()).maxWordLength(5).build();
    assertEquals(List.of("[CLS]", "h", "##h", "##h", "##h", "##h", "[SEP]"), five.tokenize("hhhhh"));
    assertEquals(List.of("[CLS]", "[UNK]", "[SEP]"), five.tokenize("hhhhhh"));
  }

  @Test
  void idsAreVocabularyLines() {
    // grep -n: [PAD] line 1, [UNK] 101, [CLS] 102, [SEP] 103, [MASK] 104, 今 792, 天 1922, 气 3699,
    // 不 680, 错 7232, hello 8702, world 8573.
    Vocabulary v = TOKENIZER.vocabulary();
    assertEquals(21128, v.size());
    assertEquals(0, v.id("[PAD]"));
    assertEquals(100, TOKENIZER.unkId());
    assertEquals(101, TOKENIZER.clsId());
    assertEquals(102, TOKENIZER.sepId());
    assertEquals(103, TOKENIZER.tokenToId("[MASK]"));
    assertArrayEquals(new int[] {101, 791, 1921, 1921, 3698, 679, 7231, 102},
        TOKENIZER.encode("今天天气不错").tokenIds());
    assertArrayEquals(new int[] {101, 8701, 8572, 102}, TOKENIZER.encode("Hello World").tokenIds());
    assertEquals(100, TOKENIZER.tokenToId("not-a-token"));
    assertEquals("hello", TOKENIZER.idToToken(8701));
  }

  @Test
  void singleTextTruncation() {
    assertEquals(List.of("[CLS]", "今", "天", "天", "[SEP]"), TOKENIZER.tokenize("今天天气不错", 5));
    assertEquals(List.of("[CLS]", "[SEP]"), TOKENIZER.tokenize("今天天气不错", 2));
    assertEquals(List.of("[CLS]", "今", "天", "天", "气", "不", "错", "[SEP]"),
        TOKENIZER.tokenize("今天天气不错", 8));
    assertEquals(ids("[CLS] 气 不 错 [SEP]"),
        Arrays.toString(TOKENIZER.encode("今天天气不错", 5, Truncation.LEFT).tokenIds()));
    assertEquals(ids("[CLS] 今 天 天 [SEP]"),
        Arrays.toString(TOKENIZER.encode("今天天气不错", 5, Truncation.RIGHT).tokenIds()));
  }

  @Test
  void pairWithoutTruncation() {
    Encoding e = TOKENIZER.encode("你好", "hello world");
    assertEquals(ids("[CLS] 你 好 [SEP] hello world [SEP]"), Arrays.toString(e.tokenIds()));
    assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1}, e.segmentIds());
  }

  @Test
  void pairTruncationTiesCutTheFirstText() {
    // [CLS]+6+[SEP] and [CLS]+6+[SEP] within 10 + 1: pops alternate first, second, first, second,
    // first: 3 pieces of the first text and 4 of the second stay.
    Encoding e = TOKENIZER.encode("今天天气不错", "明天会下雨吗", 10);
    assertEquals(ids("[CLS] 今 天 天 [SEP] 明 天 会 下 [SEP]"), Arrays.toString(e.tokenIds()));
    assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, e.segmentIds());
    Encoding left = TOKENIZER.encode("今天天气不错", "明天会下雨吗", 10, Truncation.LEFT);
    assertEquals(ids("[CLS] 气 不 错 [SEP] 会 下 雨 吗 [SEP]"), Arrays.toString(left.tokenIds()));
  }

  @Test
  void pairTruncationCutsTheLongerText() {
    // 8 + 4 tokens within 9 + 1: the longer first text loses 2 (8 → 6), and 6 + 4 = 10 fits.
    Encoding e = TOKENIZER.encode("今天天气不错", "你好", 9);
    assertEquals(ids("[CLS] 今 天 天 气 [SEP] 你 好 [SEP]"), Arrays.toString(e.tokenIds()));
    Encoding shortFirst = TOKENIZER.encode("你好", "今天天气不错", 9);
    assertEquals(ids("[CLS] 你 好 [SEP] 今 天 天 气 [SEP]"), Arrays.toString(shortFirst.tokenIds()));
    Encoding fromLeft = TOKENIZER.encode("你好", "今天天气不错", 9, Truncation.LEFT);
    assertEquals(ids("[CLS] 你 好 [SEP] 天 气 不 错 [SEP]"), Arrays.toString(fromLeft.tokenIds()));
    // The smallest pair: both texts lose everything.
    Encoding tiny = TOKENIZER.encode("你好", "今天", 3);
    assertEquals(ids("[CLS] [SEP] [SEP]"), Arrays.toString(tiny.tokenIds()));
    assertArrayEquals(new int[] {0, 0, 1}, tiny.segmentIds());
  }

  @Test
  void emptyTexts() {
    assertEquals(ids("[CLS] [SEP]"), Arrays.toString(TOKENIZER.encode("").tokenIds()));
    Encoding pair = TOKENIZER.encode("", "");
    assertEquals(ids("[CLS] [SEP] [SEP]"), Arrays.toString(pair.tokenIds()));
    assertArrayEquals(new int[] {0, 0, 1}, pair.segmentIds());
  }

  private static String ids(String tokens) {
    return Arrays.toString(TOKENIZER.tokensToIds(List.of(tokens.split(" "))));
  }
}
