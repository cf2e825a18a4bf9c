// Marks the Java method that speaks a protocol method, so the contract check can find it.
package dev.podloop.client;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The protocol method (a {@code Methods} constant) this Java method sends or listens to. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RpcMethod {
  String value();
}
