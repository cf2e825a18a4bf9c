// The engine/state snapshot record, as protocol/state.ts defines it.
package dev.podloop.client.protocol;

import dev.podloop.client.protocol.Dev.DevSessionInfo;
import dev.podloop.client.protocol.PortForward.PortForwardInfo;
import java.util.List;

/** Records of protocol/state.ts. */
public final class State {
  private State() {}

  /** A full snapshot; ignore one whose {@code seq} is not above the last seen. */
  public record EngineStateParams(long seq, String reason, String context, List<DevSessionInfo> devSessions, List<PortForwardInfo> forwards) {}
}
