package bert4j.runtime.text;

/**
 * Which end of a text loses tokens when an encoding is longer than its maximum length (bert4keras
 * {@code truncate_from}). [CLS] and [SEP] always stay.
 */
public enum Truncation {
  /** Drop the last tokens of the text (bert4keras's default: pop at index −2, before [SEP]). */
  RIGHT,
  /** Drop the first tokens of the text (pop at index 1, after [CLS]). */
  LEFT
}
