// One JSON-RPC 2.0 connection over LSP-framed streams: request ids and pending futures, notification
// and server-request dispatch, `$/cancelRequest` on cancelled futures, `$/progress` per request token.
package dev.podloop.client;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.podloop.client.protocol.ErrorCodes;
import dev.podloop.client.protocol.Methods;
import dev.podloop.client.protocol.Progress.ProgressParams;
import dev.podloop.client.protocol.Progress.WorkDoneProgressValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Futures complete and listeners run on one dispatch thread, in wire order, so a notification the
 * engine sent before a response is seen before that response. Never block that thread waiting
 * for another response.
 */
public final class JsonRpcConnection implements AutoCloseable {
  /** Serialises params and results; null fields are left out, as optional protocol fields. */
  public static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  // Envelopes keep explicit nulls (`"result": null` is required); params trees already lack them.
  private static final Gson WIRE = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  private record Pending(CompletableFuture<Object> future, Type resultType, String method) {}

  private final InputStream input;
  private final OutputStream output;
  private final Consumer<String> log;
  private final AtomicLong nextId = new AtomicLong(1);
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final Map<String, ProgressListener> progressByToken = new ConcurrentHashMap<>();
  private final Map<String, List<Consumer<JsonElement>>> notificationListeners = new ConcurrentHashMap<>();
  private final Map<String, Function<JsonElement, Object>> requestHandlers = new ConcurrentHashMap<>();
  private final List<Runnable> closeListeners = new CopyOnWriteArrayList<>();
  private final List<MessageTracer> tracers = new CopyOnWriteArrayList<>();
  private final ExecutorService dispatch =
      Executors.newSingleThreadExecutor(runnable -> daemon(runnable, "podloop-jsonrpc-dispatch"));
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Object writeLock = new Object();

  /**
   * @param input the engine's stdout
   * @param output the engine's stdin
   * @param log receives protocol problems (malformed messages, failing listeners); never null
   */
  public JsonRpcConnection(InputStream input, OutputStream output, Consumer<String> log) {
    this.input = input;
    this.output = output;
    this.log = log;
  }

  /** Starts reading; register listeners first so no early notification is missed. */
  public void start() {
    if (!started.compareAndSet(false, true)) return;
    daemon(this::readLoop, "podloop-jsonrpc-reader").start();
  }

  /** Sends a request; the future completes with the result deserialised as {@code resultType}. */
  public <T> CompletableFuture<T> request(String method, Object params, Type resultType) {
    return request(method, params, resultType, null);
  }

  /**
   * Sends a request. With a progress listener the params get a fresh {@code workDoneToken} and the
   * listener receives that token's {@code $/progress}. Cancelling the future sends
   * {@code $/cancelRequest}. Failures: {@link EngineException} for an error answer,
   * {@link ConnectionClosedException} when the engine goes away first.
   */
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> request(String method, Object params, Type resultType, ProgressListener progress) {
    long id = nextId.getAndIncrement();
    CompletableFuture<Object> future = new CompletableFuture<>();
    JsonElement paramsJson = params == null ? null : GSON.toJsonTree(params);
    String token = null;
    if (progress != null) {
      token = "podloop-jvm-" + id;
      JsonObject object = paramsJson != null && paramsJson.isJsonObject() ? paramsJson.getAsJsonObject() : new JsonObject();
      object.addProperty("workDoneToken", token);
      paramsJson = object;
      progressByToken.put(token, progress);
    }
    String progressToken = token;
    future.whenComplete((result, error) -> {
      if (progressToken != null) progressByToken.remove(progressToken);
      // Still pending means the caller gave up (cancel, orTimeout, completed it): tell the engine.
      if (pending.remove(id) != null) cancelOnEngine(id);
    });
    if (closed.get()) {
      future.completeExceptionally(new ConnectionClosedException("connection to the engine is closed"));
      return (CompletableFuture<T>) (CompletableFuture<?>) future;
    }
    pending.put(id, new Pending(future, resultType, method));
    JsonObject message = envelope();
    message.addProperty("id", id);
    message.addProperty("method", method);
    if (paramsJson != null) message.add("params", paramsJson);
    try {
      send(message);
    } catch (IOException e) {
      pending.remove(id);
      future.completeExceptionally(new ConnectionClosedException("cannot write to the engine: " + e.getMessage()));
    }
    return (CompletableFuture<T>) (CompletableFuture<?>) future;
  }

  /** Sends a notification; params may be null. */
  public void notify(String method, Object params) throws IOException {
    JsonObject message = envelope();
    message.addProperty("method", method);
    if (params != null) message.add("params", GSON.toJsonTree(params));
    send(message);
  }

  @RpcMethod(Methods.CANCEL_REQUEST)
  private void cancelOnEngine(long id) {
    JsonObject params = new JsonObject();
    params.addProperty("id", id);
    try {
      notify(Methods.CANCEL_REQUEST, params);
    } catch (IOException e) {
      log.accept("could not send $/cancelRequest for request " + id + ": " + e.getMessage());
    }
  }

  /** Listens to a notification's raw params. */
  public Subscription onNotification(String method, Consumer<JsonElement> listener) {
    List<Consumer<JsonElement>> listeners =
        notificationListeners.computeIfAbsent(method, key -> new CopyOnWriteArrayList<>());
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Listens to a notification with its params deserialised as {@code type}. */
  public <P> Subscription onNotification(String method, Class<P> type, Consumer<P> listener) {
    return onNotification(method, raw -> listener.accept(GSON.fromJson(raw, type)));
  }

  /**
   * Answers a request the engine sends to the client. The handler's return value is the result
   * (null answers null); an {@link EngineException} it throws becomes the error answer.
   */
  public Subscription onRequest(String method, Function<JsonElement, Object> handler) {
    requestHandlers.put(method, handler);
    return () -> requestHandlers.remove(method, handler);
  }

  /** Runs once when the engine's output ends. */
  public void onClose(Runnable listener) {
    closeListeners.add(listener);
    if (closed.get()) dispatch(listener);
  }

  public Subscription addTracer(MessageTracer tracer) {
    tracers.add(tracer);
    return () -> tracers.remove(tracer);
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** Number of requests waiting for an answer. */
  public int pendingRequests() {
    return pending.size();
  }

  /** Stops dispatching and fails the pending requests; does not close the streams' owner. */
  @Override
  public void close() {
    markClosed("connection closed by the client");
    dispatch.shutdown();
  }

  private static JsonObject envelope() {
    JsonObject message = new JsonObject();
    message.addProperty("jsonrpc", "2.0");
    return message;
  }

  private void send(JsonObject message) throws IOException {
    for (MessageTracer tracer : tracers) tracer.trace(MessageTracer.Direction.SENT, message);
    byte[] body = WIRE.toJson(message).getBytes(StandardCharsets.UTF_8);
    synchronized (writeLock) {
      MessageFraming.writeFrame(output, body);
    }
  }

  private void readLoop() {
    String reason = "engine output ended";
    try {
      while (true) {
        byte[] body = MessageFraming.readFrame(input);
        if (body == null) break;
        JsonElement parsed;
        try {
          parsed = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
          log.accept("ignoring a message that is not JSON: " + e.getMessage());
          continue;
        }
        if (!parsed.isJsonObject()) {
          log.accept("ignoring a message that is not a JSON object");
          continue;
        }
        JsonObject message = parsed.getAsJsonObject();
        for (MessageTracer tracer : tracers) tracer.trace(MessageTracer.Direction.RECEIVED, message);
        dispatch(() -> handle(message));
      }
    } catch (IOException e) {
      reason = "engine output failed: " + e.getMessage();
      log.accept(reason);
    }
    String why = reason;
    dispatch(() -> markClosed(why));
  }

  private void dispatch(Runnable task) {
    try {
      dispatch.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.accept("listener failed: " + e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Closed by the client: nothing listens any more.
    }
  }

  private void markClosed(String reason) {
    if (!closed.compareAndSet(false, true)) return;
    for (Long id : List.copyOf(pending.keySet())) {
      Pending entry = pending.remove(id);
      if (entry != null) {
        entry.future().completeExceptionally(new ConnectionClosedException(entry.method() + " not answered: " + reason));
      }
    }
    for (Runnable listener : closeListeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.accept("close listener failed: " + e);
      }
    }
  }

  private void handle(JsonObject message) {
    boolean hasMethod = message.has("method") && message.get("method").isJsonPrimitive();
    boolean hasId = message.has("id") && !message.get("id").isJsonNull();
    if (hasMethod && hasId) {
      answerServerRequest(message);
    } else if (hasMethod) {
      deliverNotification(message.get("method").getAsString(), message.get("params"));
    } else if (hasId) {
      completeResponse(message);
    } else if (message.has("error")) {
      log.accept("engine reported an error without id: " + message.get("error"));
    }
  }

  private void completeResponse(JsonObject message) {
    JsonElement idElement = message.get("id");
    long id;
    try {
      id = idElement.getAsLong();
    } catch (RuntimeException e) {
      log.accept("response with an id this client never sent: " + idElement);
      return;
    }
    Pending entry = pending.remove(id);
    if (entry == null) return; // cancelled or timed out; the late answer is expected
    if (message.has("error") && message.get("error").isJsonObject()) {
      entry.future().completeExceptionally(toException(message.getAsJsonObject("error")));
      return;
    }
    JsonElement result = message.has("result") ? message.get("result") : JsonNull.INSTANCE;
    try {
      Object value = entry.resultType() == Void.class || result.isJsonNull() ? null : GSON.fromJson(result, entry.resultType());
      entry.future().complete(value);
    } catch (RuntimeException e) {
      entry.future().completeExceptionally(e);
    }
  }

  static EngineException toException(JsonObject error) {
    int code = error.has("code") && error.get("code").isJsonPrimitive() ? error.get("code").getAsInt() : ErrorCodes.UnknownError;
    String text = error.has("message") && error.get("message").isJsonPrimitive() ? error.get("message").getAsString() : "";
    JsonElement data = error.has("data") ? error.get("data") : null;
    return new EngineException(code, text, data);
  }

  private void deliverNotification(String method, JsonElement params) {
    JsonElement safeParams = params == null ? JsonNull.INSTANCE : params;
    if (method.equals(Methods.PROGRESS) && safeParams.isJsonObject()) {
      ProgressParams progress = GSON.fromJson(safeParams, ProgressParams.class);
      ProgressListener listener = progress.token() == null ? null : progressByToken.get(tokenKey(progress.token()));
      WorkDoneProgressValue value = progress.value();
      if (listener != null && value != null) listener.onProgress(value);
    }
    List<Consumer<JsonElement>> listeners = notificationListeners.get(method);
    if (listeners == null) return;
    for (Consumer<JsonElement> listener : listeners) {
      try {
        listener.accept(safeParams);
      } catch (RuntimeException e) {
        log.accept(method + " listener failed: " + e);
      }
    }
  }

  private static String tokenKey(JsonElement token) {
    return token.isJsonPrimitive() ? token.getAsString() : token.toString();
  }

  private void answerServerRequest(JsonObject message) {
    String method = message.get("method").getAsString();
    JsonObject answer = envelope();
    answer.add("id", message.get("id"));
    Function<JsonElement, Object> handler = requestHandlers.get(method);
    if (handler == null) {
      answer.add("error", error(ErrorCodes.MethodNotFound, "The client does not handle " + method, null));
    } else {
      try {
        Object result = handler.apply(message.has("params") ? message.get("params") : JsonNull.INSTANCE);
        answer.add("result", result == null ? JsonNull.INSTANCE : GSON.toJsonTree(result));
      } catch (EngineException e) {
        answer.add("error", error(e.code(), e.getMessage(), e.data()));
      } catch (RuntimeException e) {
        answer.add("error", error(ErrorCodes.InternalError, method + " failed in the client: " + e, null));
      }
    }
    try {
      send(answer);
    } catch (IOException e) {
      log.accept("could not answer " + method + ": " + e.getMessage());
    }
  }

  private static JsonObject error(int code, String message, JsonElement data) {
    JsonObject error = new JsonObject();
    error.add("code", new JsonPrimitive(code));
    error.addProperty("message", message);
    if (data != null) error.add("data", data);
    return error;
  }

  private static Thread daemon(Runnable runnable, String name) {
    Thread thread = new Thread(runnable, name);
    thread.setDaemon(true);
    return thread;
  }
}
