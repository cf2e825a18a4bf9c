// Receives the work-done progress of one request (LSP `$/progress` on the request's token).
package dev.podloop.client;

import dev.podloop.client.protocol.Progress.WorkDoneProgressValue;

/** Called on the connection's dispatch thread with begin, report and end values in order. */
@FunctionalInterface
public interface ProgressListener {
  void onProgress(WorkDoneProgressValue value);
}
