// Sees every JSON-RPC message in both directions, for a plugin's debug log or a test's assertions.
package dev.podloop.client;

import com.google.gson.JsonObject;

/** Must not block or modify the message; called on the reading or the sending thread. */
@FunctionalInterface
public interface MessageTracer {
  enum Direction { SENT, RECEIVED }

  void trace(Direction direction, JsonObject message);
}
