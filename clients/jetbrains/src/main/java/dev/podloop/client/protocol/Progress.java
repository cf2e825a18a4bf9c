// Work-done progress and cancellation records, as protocol/progress.ts defines them.
package dev.podloop.client.protocol;

import com.google.gson.JsonElement;

/** Records of protocol/progress.ts. */
public final class Progress {
  private Progress() {}

  /**
   * One progress value; {@code kind} is {@code begin}, {@code report} or {@code end}. {@code title}
   * only on begin; {@code percentage} 0..100 or null when unknown.
   */
  public record WorkDoneProgressValue(String kind, String title, Boolean cancellable, String message, Integer percentage) {
    public boolean isBegin() {
      return "begin".equals(kind);
    }

    public boolean isEnd() {
      return "end".equals(kind);
    }
  }

  /** Params of {@code $/progress}; the token is a string or a number. */
  public record ProgressParams(JsonElement token, WorkDoneProgressValue value) {}

  /** Params of {@code $/cancelRequest}. */
  public record CancelParams(JsonElement id) {}
}
