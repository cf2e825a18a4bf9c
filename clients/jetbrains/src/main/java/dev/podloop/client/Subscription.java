// Ends one listener registration; closing twice is harmless.
package dev.podloop.client;

/** A listener registration; {@link #close()} removes the listener. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  @Override
  void close();
}
