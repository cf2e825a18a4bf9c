// The JVM client against the protocol's method list (Methods, generated from protocol/methods.ts):
// every method has a typed Java method whose params and result records carry the protocol's names.
package dev.podloop.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.podloop.client.protocol.Methods;
import dev.podloop.client.protocol.ProtocolTypes;
import dev.podloop.client.protocol.Run.RunStopResult;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.Test;

public class ContractTest {
  /** Results the protocol declares inline rather than as a named interface. */
  private static final Map<String, Class<?>> INLINE_RESULTS = Map.of(Methods.RUN_STOP, RunStopResult.class);

  private static List<Method> javaMethodsFor(String method) {
    List<Method> found = new ArrayList<>();
    for (Class<?> owner : List.of(PodloopClient.class, JsonRpcConnection.class)) {
      for (Method candidate : owner.getDeclaredMethods()) {
        RpcMethod annotation = candidate.getAnnotation(RpcMethod.class);
        if (annotation != null && annotation.value().equals(method)) found.add(candidate);
      }
    }
    return found;
  }

  private static String typeArgument(Type type) {
    Type argument = ((ParameterizedType) type).getActualTypeArguments()[0];
    return ((Class<?>) argument).getSimpleName();
  }

  private static boolean hasWorkDoneToken(String recordName) {
    Class<?> record = ProtocolTypes.records().get(recordName);
    return record != null
        && Arrays.stream(record.getRecordComponents()).map(RecordComponent::getName).anyMatch("workDoneToken"::equals);
  }

  @Test
  public void everyClientRequestHasATypedMethodWithTheProtocolsParamsAndResult() {
    List<String> problems = new ArrayList<>();
    for (Methods.Info info : Methods.ALL) {
      if (info.direction() != Methods.Direction.CLIENT_TO_SERVER || info.kind() != Methods.Kind.REQUEST) continue;
      List<Method> methods = javaMethodsFor(info.method());
      if (methods.isEmpty()) {
        problems.add(info.method() + ": no PodloopClient method annotated @RpcMethod");
        continue;
      }
      boolean withProgress = false;
      for (Method method : methods) {
        List<Class<?>> params = new ArrayList<>(List.of(method.getParameterTypes()));
        if (!params.isEmpty() && params.get(params.size() - 1) == ProgressListener.class) {
          withProgress = true;
          params.remove(params.size() - 1);
        }
        String expectedParams = info.params() == null ? "" : info.params();
        String actualParams = params.stream().map(Class::getSimpleName).collect(Collectors.joining(","));
        if (!expectedParams.equals(actualParams)) {
          problems.add(info.method() + ": " + method.getName() + " takes (" + actualParams + "), protocol says (" + expectedParams + ")");
        }
        String expectedResult = info.result() != null ? info.result()
            : INLINE_RESULTS.containsKey(info.method()) ? INLINE_RESULTS.get(info.method()).getSimpleName() : "Void";
        String actualResult = typeArgument(method.getGenericReturnType());
        if (!expectedResult.equals(actualResult)) {
          problems.add(info.method() + ": " + method.getName() + " answers " + actualResult + ", protocol says " + expectedResult);
        }
      }
      if (info.params() != null && hasWorkDoneToken(info.params()) != withProgress) {
        problems.add(info.method() + ": a ProgressListener overload must exist exactly when " + info.params() + " has workDoneToken");
      }
    }
    assertEquals(String.join("\n", problems), List.of(), problems);
  }

  @Test
  public void everyNotificationHasASenderOrATypedListener() {
    List<String> problems = new ArrayList<>();
    for (Methods.Info info : Methods.ALL) {
      if (info.kind() != Methods.Kind.NOTIFICATION) continue;
      List<Method> methods = javaMethodsFor(info.method());
      if (methods.isEmpty()) {
        problems.add(info.method() + ": no Java method annotated @RpcMethod");
        continue;
      }
      if (info.direction() == Methods.Direction.SERVER_TO_CLIENT) {
        for (Method method : methods) {
          Type[] params = method.getGenericParameterTypes();
          String listens = params.length == 1 && params[0] instanceof ParameterizedType ? typeArgument(params[0]) : "?";
          if (!listens.equals(info.params()) || method.getReturnType() != Subscription.class) {
            problems.add(info.method() + ": " + method.getName() + " must take Consumer<" + info.params() + "> and return Subscription");
          }
        }
      }
    }
    assertEquals(String.join("\n", problems), List.of(), problems);
  }

  @Test
  public void everyAnnotatedJavaMethodNamesAProtocolMethod() {
    Set<String> known = Methods.ALL.stream().map(Methods.Info::method).collect(Collectors.toSet());
    for (Method method : PodloopClient.class.getDeclaredMethods()) {
      RpcMethod annotation = method.getAnnotation(RpcMethod.class);
      if (annotation != null) assertTrue(method.getName() + " names " + annotation.value(), known.contains(annotation.value()));
    }
  }

  @Test
  public void everyParamsAndResultTypeOfTheMethodListHasARecord() {
    Map<String, Class<?>> records = ProtocolTypes.records();
    for (Methods.Info info : Methods.ALL) {
      for (String name : Arrays.asList(info.params(), info.result())) {
        if (name != null) assertTrue(info.method() + " needs a record " + name, records.containsKey(name));
      }
    }
    assertFalse(records.isEmpty());
  }
}
