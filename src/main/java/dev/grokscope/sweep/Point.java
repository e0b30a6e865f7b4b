package dev.grokscope.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One point of a sweep: its position in the plan, its id (a directory name such as
 * {@code wd=0.3,seed=1}) and the config values it overrides.
 *
 * @param index  0-based position in the plan (the SLURM array task id)
 * @param id     unique, file-name-safe id
 * @param values dotted config key -> value, in axis order
 */
public record Point(int index, String id, LinkedHashMap<String, JsonNode> values) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The values as {@code --set} overrides; each value is written as JSON, which YAML reads back unchanged. */
    public List<String> overrides() {
        List<String> o = new ArrayList<>();
        values.forEach((k, v) -> o.add(k + "=" + json(v)));
        return o;
    }

    /** A value as a short readable text: numbers without trailing zeros, strings bare, the rest as JSON. */
    public static String show(JsonNode v) {
        if (v.isFloatingPointNumber()) {
            BigDecimal d = v.decimalValue().stripTrailingZeros();
            String plain = d.toPlainString();
            return plain.length() <= 8 ? plain : d.toString();
        }
        if (v.isValueNode() && !v.isNull()) {
            return v.asText();
        }
        return json(v);
    }

    /** The value of {@code key} as {@link #show} text, or "" when this point leaves it at the base. */
    public String show(String key) {
        JsonNode v = values.get(key);
        return v == null ? "" : show(v);
    }

    static String json(JsonNode v) {
        try {
            return JSON.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return id;
    }

    /** Exposed for tests and the plan: key -> shown value. */
    public Map<String, String> shown() {
        Map<String, String> m = new LinkedHashMap<>();
        values.forEach((k, v) -> m.put(k, show(v)));
        return m;
    }
}
