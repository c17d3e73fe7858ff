package bert4j.runtime.text.sentencepiece;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A model's compiled normalization rules ({@code precompiled_charsmap}, e.g. nmt_nfkc): which UTF-8
 * byte sequences are replaced, and by what. The blob is a 4-byte little-endian size, a darts-clone
 * double-array trie of that many bytes over the sequences, and the replacements as NUL-terminated
 * strings that the trie's values point into. The rules are read from the blob, so a model normalizes
 * exactly as it was trained, whatever rule set it names.
 *
 * <p>A darts-clone unit is one 32-bit word: bits 0–7 the label of the edge into the node (bit 31 set
 * on a value unit, so no label matches it), bit 8 whether the node has a value (stored in the unit at
 * its children's base), bits 10–31 the offset from the node to its children's base, shifted left by 8
 * when bit 9 is set.
 */
final class CharsMap {
  private final int[] units;
  private final byte[] replacements;

  private CharsMap(int[] units, byte[] replacements) {
    this.units = units;
    this.replacements = replacements;
  }

  /**
   * The rules in {@code blob}, checked: every value the trie can reach points at a NUL-terminated
   * replacement inside the blob.
   */
  static CharsMap read(byte[] blob, String source) throws SentencePieceException {
    ByteBuffer buffer = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
    if (blob.length <= 4) {
      throw broken(source, "it has " + blob.length + " bytes, too few for the trie's size");
    }
    long trieBytes = buffer.getInt(0) & 0xFFFFFFFFL;
    if (trieBytes >= blob.length - 4 || trieBytes % 4 != 0 || trieBytes == 0) {
      throw broken(source, "its trie of " + trieBytes + " bytes does not fit the blob's "
          + blob.length + " bytes in whole 4-byte units");
    }
    int[] units = new int[(int) (trieBytes / 4)];
    buffer.position(4);
    buffer.asIntBuffer().get(units);
    byte[] replacements = new byte[blob.length - 4 - (int) trieBytes];
    System.arraycopy(blob, 4 + (int) trieBytes, replacements, 0, replacements.length);
    CharsMap map = new CharsMap(units, replacements);
    map.checkValues(source);
    return map;
  }

  /**
   * The longest rule that matches {@code text[from, to)} at {@code from}: writes it to {@code match} and
   * returns true, or returns false if none does.
   */
  boolean longestMatch(byte[] text, int from, int to, Prefix match) {
    int length = 0;
    int value = 0;
    int pos = offset(units[0]);
    for (int i = from; i < to; i++) {
      int label = text[i] & 0xFF;
      pos ^= label;
      if (pos >= units.length || label(units[pos]) != label) {
        break;
      }
      int unit = units[pos];
      pos ^= offset(unit);
      if (hasLeaf(unit)) {
        length = i + 1 - from;
        value = units[pos] & 0x7FFFFFFF;
      }
    }
    if (length == 0) {
      return false;
    }
    int end = value;
    while (replacements[end] != 0) {
      end++;
    }
    match.set(replacements, value, end - value, length);
    return true;
  }

  /**
   * Walks every node the lookup can reach and checks the value of each node that has one. A unit at
   * {@code c} with label {@code l} can only be the child of the node whose children's base is
   * {@code c ^ l}, so the units are first grouped by that base: the walk then visits each unit once
   * instead of probing 255 labels per node.
   */
  private void checkValues(String source) throws SentencePieceException {
    int n = units.length;
    int[] firstOfBase = new int[n + 1];
    for (int c = 0; c < n; c++) {
      int base = c ^ (units[c] & 0xFF);
      if (isChildUnit(units[c]) && base < n) {
        firstOfBase[base + 1]++;
      }
    }
    for (int base = 0; base < n; base++) {
      firstOfBase[base + 1] += firstOfBase[base];
    }
    int[] childrenByBase = new int[firstOfBase[n]];
    int[] filled = firstOfBase.clone();
    for (int c = 0; c < n; c++) {
      int base = c ^ (units[c] & 0xFF);
      if (isChildUnit(units[c]) && base < n) {
        childrenByBase[filled[base]++] = c;
      }
    }
    boolean[] seen = new boolean[n];
    int[] stack = new int[n + 1];
    int top = 0;
    stack[top++] = 0;
    seen[0] = true;
    while (top > 0) {
      int node = stack[--top];
      int base = node ^ offset(units[node]);
      if (node != 0 && hasLeaf(units[node])) {
        if (base >= n) {
          throw broken(source, "the value of trie node " + node + " lies outside the trie");
        }
        checkReplacement(units[base] & 0x7FFFFFFF, source);
      }
      if (base >= n) {
        continue; // no child can be reached from here
      }
      for (int k = firstOfBase[base]; k < firstOfBase[base + 1]; k++) {
        int child = childrenByBase[k];
        if (!seen[child]) {
          seen[child] = true;
          stack[top++] = child;
        }
      }
    }
  }

  /** Whether a unit can be reached by a byte of text: not a value unit, and a label other than 0. */
  private static boolean isChildUnit(int unit) {
    return unit >= 0 && (unit & 0xFF) != 0;
  }

  private void checkReplacement(int value, String source) throws SentencePieceException {
    for (int i = value; i < replacements.length; i++) {
      if (replacements[i] == 0) {
        return;
      }
    }
    throw broken(source, "a rule's replacement at " + value + " does not end inside the "
        + replacements.length + " bytes of replacements");
  }

  private static SentencePieceException broken(String source, String problem) {
    return new SentencePieceException(source, "the normalization rules (precompiled_charsmap) are"
        + " broken: " + problem);
  }

  private static boolean hasLeaf(int unit) {
    return ((unit >>> 8) & 1) == 1;
  }

  private static int label(int unit) {
    return unit & (0x80000000 | 0xFF);
  }

  private static int offset(int unit) {
    return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
  }
}
