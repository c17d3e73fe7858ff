package bert4j.runtime.train;

import java.util.ArrayList;
import java.util.List;

/**
 * An entity span: its type and its first and last position (both inclusive, as GlobalPointer
 * decodes them and bert4keras's NER evaluators compare them). Counted by {@link ExtractionF1}.
 */
public record Span(String type, int start, int end) {
  public Span {
    if (type == null) {
      throw new IllegalArgumentException("a span needs a type");
    }
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("span " + type + " [" + start + ", " + end
          + "]: need 0 <= start <= end (end inclusive)");
    }
  }

  /**
   * The entities of one tag sequence, as conlleval (and seqeval) read it: tags {@code O} or
   * {@code <prefix>-<type>} with prefix {@code B}, {@code I}, {@code E} or {@code S}, so IOB2
   * (BIO), IOB1 and BIOES all work. A chunk starts at {@code B-X} or {@code S-X}, and also at an
   * {@code I-X} or {@code E-X} that does not continue a chunk of type X (after {@code O}, another
   * type, or a chunk that ended); it ends before a tag that starts another chunk or is {@code O},
   * and after {@code E} or {@code S}.
   *
   * @throws IllegalArgumentException naming the position of a tag of another form
   */
  public static List<Span> fromTags(List<String> tags) {
    List<Span> spans = new ArrayList<>();
    char previous = 'O';
    String previousType = "";
    int begin = 0;
    for (int i = 0; i <= tags.size(); i++) {
      String tag = i < tags.size() ? tags.get(i) : "O";
      char prefix = prefix(tag, i);
      String type = prefix == 'O' ? "" : tag.length() > 2 ? tag.substring(2) : "";
      if (endsChunk(previous, prefix, previousType, type)) {
        spans.add(new Span(previousType, begin, i - 1));
      }
      if (startsChunk(previous, prefix, previousType, type)) {
        begin = i;
      }
      previous = prefix;
      previousType = type;
    }
    return spans;
  }

  private static char prefix(String tag, int position) {
    if (tag == null) {
      throw new IllegalArgumentException("tag " + position + " is null");
    }
    if (tag.equals("O")) {
      return 'O';
    }
    char prefix = tag.isEmpty() ? '?' : tag.charAt(0);
    if ("BIES".indexOf(prefix) < 0 || tag.length() > 1 && tag.charAt(1) != '-') {
      throw new IllegalArgumentException("tag " + position + " is \"" + tag
          + "\": expected O or B-, I-, E-, S- followed by the type");
    }
    return prefix;
  }

  private static boolean endsChunk(char previous, char tag, String previousType, String type) {
    return previous == 'E' || previous == 'S'
        || (previous == 'B' || previous == 'I') && (tag == 'B' || tag == 'S' || tag == 'O')
        || previous != 'O' && !previousType.equals(type);
  }

  private static boolean startsChunk(char previous, char tag, String previousType, String type) {
    return tag == 'B' || tag == 'S'
        || (previous == 'E' || previous == 'S' || previous == 'O') && (tag == 'I' || tag == 'E')
        || tag != 'O' && !previousType.equals(type);
  }
}
