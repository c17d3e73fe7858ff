package bert4j.runtime.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The progress bar of one epoch, as Keras prints it for bert4keras users:
 * {@code 12/100 [==>...........................] - ETA: 1:02 - loss: 0.4312 - acc: 0.8100}, ending
 * with the epoch's summary {@code 100/100 [==============================] - 63s 630ms/step - loss:
 * 0.3100 - val_f1: 0.7200}. On a terminal ({@code interactive}) the line is redrawn in place with
 * {@code \r}, at most 20 times a second; otherwise (a log file, a pipe) it is printed as plain
 * lines: one each tenth of the epoch, and at least every 30 seconds.
 */
public final class ProgressBar {
  private static final int WIDTH = 30;
  private static final long REDRAW_NANOS = 50_000_000L;
  private static final long PLAIN_NANOS = 30_000_000_000L;
  private final PrintStream out;
  private final int target;
  private final int initial;
  private final boolean interactive;
  private final LongSupplier clock;
  private final long start;
  private long lastDraw;
  private int lastLine;
  /** Interactive: the width of the line drawn in place, 0 when none is open. */
  private int drawn;

  /**
   * A bar of {@code target} steps, {@code initial} of them done before it starts (a resumed epoch),
   * printed to {@code out}.
   */
  public ProgressBar(PrintStream out, int target, int initial, boolean interactive) {
    this(out, target, initial, interactive, System::nanoTime);
  }

  ProgressBar(PrintStream out, int target, int initial, boolean interactive, LongSupplier clock) {
    if (target < 1 || initial < 0 || initial > target) {
      throw new IllegalArgumentException("a progress bar needs 0 <= initial (" + initial
          + ") <= target (" + target + ") and a target >= 1");
    }
    this.out = out;
    this.target = target;
    this.initial = initial;
    this.interactive = interactive;
    this.clock = clock;
    this.start = clock.getAsLong();
    this.lastDraw = start;
    this.lastLine = initial;
  }

  /** Shows step {@code current} of the target with the running {@code values} (loss, metrics). */
  public void update(int current, Map<String, Double> values) {
    if (current <= initial || current > target) {
      throw new IllegalArgumentException("step " + current + " is outside (" + initial + ", "
          + target + "]");
    }
    long now = clock.getAsLong();
    double perStep = (now - start) / 1e9 / (current - initial);
    String text = bar(current, target) + " - ETA: " + eta(perStep * (target - current))
        + values(values);
    if (interactive) {
      if (now - lastDraw >= REDRAW_NANOS || current == target || drawn == 0) {
        draw(text);
        lastDraw = now;
      }
    } else if (current < target
        && (current * 10L / target > lastLine * 10L / target || now - lastDraw >= PLAIN_NANOS)) {
      out.println(text);
      lastLine = current;
      lastDraw = now;
    }
  }

  /**
   * Prints the epoch's summary line: the full bar, the time since the bar started and per step, and
   * {@code values} (the epoch's loss, metrics and evaluation).
   */
  public void finish(Map<String, Double> values) {
    double seconds = (clock.getAsLong() - start) / 1e9;
    String text = bar(target, target) + " - " + String.format(Locale.ROOT, "%.0fs", seconds) + " "
        + perStep(seconds / Math.max(1, target - initial)) + values(values);
    if (interactive) {
      draw(text);
      breakLine();
    } else {
      out.println(text);
    }
  }

  /** Ends a line drawn in place, so that other output starts on a line of its own. */
  public void breakLine() {
    if (drawn > 0) {
      out.println();
      out.flush();
      drawn = 0;
    }
  }

  private void draw(String text) {
    out.print("\r" + text + " ".repeat(Math.max(0, drawn - text.length())));
    out.flush();
    drawn = text.length();
  }

  /** {@code " 12/100 [==>....]"}: the count, right-aligned to the target's width, and the bar. */
  static String bar(int current, int target) {
    int digits = Integer.toString(target).length();
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%" + digits + "d/%d [", current,
        target));
    int width = (int) ((long) WIDTH * current / target);
    if (width > 0) {
      s.append("=".repeat(width - 1)).append(current < target ? '>' : '=');
    }
    return s.append(".".repeat(WIDTH - width)).append(']').toString();
  }

  /** Keras's ETA: {@code 1:02:03} past an hour, {@code 1:02} past a minute, else {@code 42s}. */
  static String eta(double seconds) {
    long s = (long) seconds;
    if (seconds > 3600) {
      return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s % 3600 / 60, s % 60);
    }
    if (seconds > 60) {
      return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
    return s + "s";
  }

  /** Time per step in Keras's unit: {@code 2s/step}, {@code 630ms/step}, {@code 80us/step}. */
  static String perStep(double seconds) {
    if (seconds >= 1 || seconds == 0) {
      return String.format(Locale.ROOT, "%.0fs/step", seconds);
    }
    if (seconds >= 1e-3) {
      return String.format(Locale.ROOT, "%.0fms/step", seconds * 1e3);
    }
    return String.format(Locale.ROOT, "%.0fus/step", seconds * 1e6);
  }

  /** {@code " - loss: 0.4312 - acc: 0.8100"}; tiny magnitudes in scientific notation, as Keras. */
  static String values(Map<String, Double> values) {
    StringBuilder s = new StringBuilder();
    for (Map.Entry<String, Double> e : values.entrySet()) {
      double v = e.getValue();
      s.append(" - ").append(e.getKey()).append(": ")
          .append(String.format(Locale.ROOT, Math.abs(v) > 1e-3 ? "%.4f" : "%.4e", v));
    }
    return s.toString();
  }
}
