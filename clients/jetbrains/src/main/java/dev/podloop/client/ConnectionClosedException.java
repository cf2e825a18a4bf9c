// Fails the requests still waiting when the engine's output ends (it exited or was killed).
package dev.podloop.client;

/** The connection to the engine closed before the request was answered. */
public final class ConnectionClosedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConnectionClosedException(String message) {
    super(message);
  }
}
