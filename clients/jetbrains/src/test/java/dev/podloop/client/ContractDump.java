// Prints every protocol record's field names as JSON, so a check on the protocol side can compare
// them with the TypeScript interfaces.
package dev.podloop.client;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.podloop.client.protocol.ProtocolTypes;
import java.lang.reflect.RecordComponent;
import java.util.Map;

public final class ContractDump {
  private ContractDump() {}

  public static void main(String[] args) {
    JsonObject out = new JsonObject();
    for (Map.Entry<String, Class<?>> entry : ProtocolTypes.records().entrySet()) {
      JsonArray fields = new JsonArray();
      for (RecordComponent component : entry.getValue().getRecordComponents()) fields.add(component.getName());
      out.add(entry.getKey(), fields);
    }
    System.out.println(JsonRpcConnection.GSON.toJson(out));
  }
}
