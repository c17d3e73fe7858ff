package bert4j.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * For random Unicode strings (any code point, lone surrogates included): tokenization never throws,
 * every id is in the vocabulary, spans are monotone, inside the text and on code point boundaries, and
 * truncation keeps a prefix or suffix of the full encoding.
 */
class TokenizerPropertyTest {
  private static final int CASES = 20_000;
  private static final String[] PIECES = {"hello", "world", "token", "izer", "ing", "今天", "天气",
      "不错", "2023", "3.14", "Café", "ΟΔΟΣ", "İ", "한국", "\uD83D\uDC4D", "\u200D", " ", "\t\n",
      "[MASK]", "##", "x".repeat(199), "x".repeat(201)};

  private static String randomText(SplittableRandom random) {
    StringBuilder text = new StringBuilder();
    int length = random.nextInt(60);
    while (text.length() < length) {
      int kind = random.nextInt(10);
      if (kind < 3) {
        text.append((char) random.nextInt(0x80)); // ASCII, controls included
      } else if (kind < 5) {
        text.append((char) random.nextInt(0x10000)); // any BMP unit: may be a lone surrogate
      } else if (kind < 7) {
        text.appendCodePoint(random.nextInt(0x110000)); // any code point
      } else if (kind < 8) {
        text.append((char) (0x4E00 + random.nextInt(0x5200))); // CJK
      } else {
        text.append(PIECES[random.nextInt(PIECES.length)]);
      }
    }
    return text.toString();
  }

  private static void checkSpans(String text, Encoding e, int segment) {
    int lastStart = 0;
    int lastEnd = 0;
    for (int i = 0; i < e.length(); i++) {
      if (e.segmentIds()[i] != segment) {
        continue;
      }
      int start = e.starts()[i];
      int end = e.ends()[i];
      if (start == -1) {
        assertEquals(-1, end);
        int id = e.tokenIds()[i];
        assertTrue(id == ChineseVocab.LOWERCASE.clsId() || id == ChineseVocab.LOWERCASE.sepId());
        continue;
      }
      assertTrue(0 <= start && start < end && end <= text.length(), "span inside the text");
      assertTrue(start >= lastStart && end >= lastEnd, "spans are monotone");
      assertTrue(start >= lastEnd || (start == lastStart && end == lastEnd),
          "spans do not overlap unless they share one source character");
      assertTrue(isBoundary(text, start) && isBoundary(text, end), "spans keep surrogate pairs whole");
      lastStart = start;
      lastEnd = end;
    }
  }

  private static boolean isBoundary(String text, int index) {
    return index == 0 || index == text.length()
        || !(Character.isHighSurrogate(text.charAt(index - 1))
            && Character.isLowSurrogate(text.charAt(index)));
  }

  @Test
  void randomTextsEncodeSafely() {
    SplittableRandom random = new SplittableRandom(42);
    for (Tokenizer tokenizer : new Tokenizer[] {ChineseVocab.LOWERCASE, ChineseVocab.CASED}) {
      for (int n = 0; n < CASES; n++) {
        String text = randomText(random);
        try {
          Encoding e = tokenizer.encode(text);
          int[] ids = e.tokenIds();
          assertTrue(ids.length >= 2);
          assertEquals(tokenizer.clsId(), ids[0]);
          assertEquals(tokenizer.sepId(), ids[ids.length - 1]);
          for (int id : ids) {
            assertTrue(id >= 0 && id < tokenizer.vocabSize(), "id in range");
          }
          checkSpans(text, e, 0);
          assertEquals(e.spans(), tokenizer.rematch(text, tokenizer.tokenize(text)));
          tokenizer.decode(ids);

          int maxLen = 2 + random.nextInt(12);
          int keep = Math.min(ids.length, maxLen) - 2;
          Encoding right = tokenizer.encode(text, maxLen);
          Encoding left = tokenizer.encode(text, maxLen, Truncation.LEFT);
          int[] expectedRight = new int[keep + 2];
          int[] expectedLeft = new int[keep + 2];
          expectedRight[0] = expectedLeft[0] = tokenizer.clsId();
          expectedRight[keep + 1] = expectedLeft[keep + 1] = tokenizer.sepId();
          System.arraycopy(ids, 1, expectedRight, 1, keep);
          System.arraycopy(ids, ids.length - 1 - keep, expectedLeft, 1, keep);
          assertArrayEquals(expectedRight, right.tokenIds());
          assertArrayEquals(expectedLeft, left.tokenIds());
          checkSpans(text, left, 0);
        } catch (AssertionError | RuntimeException e) {
          fail("text " + escape(text) + ": " + e, e);
        }
      }
    }
  }

  @Test
  void randomPairsRespectMaxLenAndSegments() {
    SplittableRandom random = new SplittableRandom(7);
    Tokenizer tokenizer = ChineseVocab.LOWERCASE;
    for (int n = 0; n < CASES; n++) {
      String first = randomText(random);
      String second = randomText(random);
      int maxLen = 3 + random.nextInt(40);
      try {
        Encoding e = tokenizer.encode(first, second, maxLen, random.nextBoolean() ? Truncation.LEFT
            : Truncation.RIGHT);
        int full = tokenizer.encode(first, second).length();
        assertEquals(Math.min(full, maxLen), e.length(), "as long as allowed, no longer");
        int[] segments = e.segmentIds();
        int firstSep = -1;
        for (int i = 0; i < e.length(); i++) {
          if (e.tokenIds()[i] == tokenizer.sepId() && e.starts()[i] == -1) {
            firstSep = i;
            break;
          }
        }
        assertTrue(firstSep >= 1);
        for (int i = 0; i < segments.length; i++) {
          assertEquals(i <= firstSep ? 0 : 1, segments[i], "segment of token " + i);
        }
        checkSpans(first, e, 0);
        checkSpans(second, e, 1);
      } catch (AssertionError | RuntimeException e) {
        fail("pair " + escape(first) + " / " + escape(second) + " maxLen " + maxLen + ": " + e, e);
      }
    }
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      out.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04X", (int) c));
    }
    return out.append('"').toString() + " " + Arrays.toString(text.codePoints().toArray());
  }
}
