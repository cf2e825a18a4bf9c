// The error a podloop engine answered a request with: its code (see protocol.ErrorCodes), message
// and the typed data the protocol documents for that code.
package dev.podloop.client;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import dev.podloop.client.protocol.ErrorCodes;

/** A JSON-RPC error response; branch on {@link #code()}, never on the message. */
public final class EngineException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final Gson GSON = new Gson();

  private final int code;
  private final transient JsonElement data;

  public EngineException(int code, String message, JsonElement data) {
    super(message);
    this.code = code;
    this.data = data;
  }

  /** One of the {@link ErrorCodes} constants, or a code this client does not know. */
  public int code() {
    return code;
  }

  /** The error's {@code data}, or null when it carried none. */
  public JsonElement data() {
    return data;
  }

  /** The data as one of the protocol's error data records, e.g. {@code Errors.WorkloadRef}. */
  public <T> T dataAs(Class<T> type) {
    return data == null || data.isJsonNull() ? null : GSON.fromJson(data, type);
  }

  /** The code's protocol name, e.g. {@code NotSupportedYet}. */
  public String codeName() {
    return ErrorCodes.nameOf(code);
  }

  @Override
  public String toString() {
    return "EngineException[" + codeName() + " (" + code + ")]: " + getMessage();
  }
}
