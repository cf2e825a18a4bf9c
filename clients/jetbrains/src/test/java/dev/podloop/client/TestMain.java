// Runs JUnit test classes and prints one line per test with its time, so the calling test
// command shows what failed and what is slow; exits 1 when any test failed.
package dev.podloop.client;

import org.junit.runner.Description;
import org.junit.runner.JUnitCore;
import org.junit.runner.Result;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunListener;

public final class TestMain {
  private TestMain() {}

  public static void main(String[] args) throws ClassNotFoundException {
    Class<?>[] classes = new Class<?>[args.length];
    for (int i = 0; i < args.length; i++) classes[i] = Class.forName(args[i]);
    JUnitCore core = new JUnitCore();
    core.addListener(new RunListener() {
      private long started;
      private boolean failed;

      @Override
      public void testStarted(Description description) {
        started = System.nanoTime();
        failed = false;
      }

      @Override
      public void testFailure(Failure failure) {
        failed = true;
        System.out.println("FAIL " + failure.getDescription().getDisplayName());
        System.out.println(failure.getTrace());
      }

      @Override
      public void testFinished(Description description) {
        long ms = (System.nanoTime() - started) / 1_000_000;
        if (!failed) System.out.println("ok   " + description.getDisplayName() + " (" + ms + " ms)");
      }
    });
    Result result = core.run(classes);
    System.out.println(result.getRunCount() + " tests, " + result.getFailureCount() + " failed, " + result.getIgnoreCount() + " ignored");
    System.exit(result.wasSuccessful() && result.getIgnoreCount() == 0 ? 0 : 1);
  }
}
