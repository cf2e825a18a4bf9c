// The index of every protocol record, by the name protocol/ gives its TypeScript interface; the
// contract check compares their fields.
package dev.podloop.client.protocol;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Finds protocol records by their protocol name. */
public final class ProtocolTypes {
  private ProtocolTypes() {}

  /** The classes that hold the records, one per protocol/ file. */
  public static final List<Class<?>> AREAS =
      List.of(Progress.class, Lifecycle.class, Cluster.class, Workloads.class, Errors.class, Dev.class, Sync.class,
          Logs.class, PortForward.class, Debug.class, Run.class, Exec.class, Sandbox.class, State.class);

  /** Every record, keyed by simple name. */
  public static Map<String, Class<?>> records() {
    Map<String, Class<?>> byName = new TreeMap<>();
    for (Class<?> area : AREAS) {
      for (Class<?> nested : area.getDeclaredClasses()) {
        if (nested.isRecord()) byName.put(nested.getSimpleName(), nested);
      }
    }
    return byName;
  }
}
