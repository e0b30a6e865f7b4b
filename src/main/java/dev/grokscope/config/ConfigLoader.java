package dev.grokscope.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.grokscope.BadInputException;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Loads an {@link Experiment} from YAML: the user's file, then {@code --set} overrides, over the
 * defaults of {@code defaults.yaml}. Strict: unknown keys, duplicate keys, wrong types and values out
 * of range are {@link BadInputException}s of one line that say where the value came from
 * ({@code file:line}, or the {@code --set} that gave it), the field, and the rule.
 */
public final class ConfigLoader {
    /** Larger configs are not configs. */
    static final int MAX_BYTES = 1 << 20;
    private static final String DEFAULTS = "defaults.yaml";

    private static final YAMLFactory YAML = YAMLFactory.builder()
            .loaderOptions(loaderOptions())
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(100).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final ObjectMapper MAPPER = YAMLMapper.builder(YAML)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .disable(YAMLGenerator.Feature.USE_NATIVE_TYPE_ID)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private ConfigLoader() {
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions o = new LoaderOptions();
        o.setMaxAliasesForCollections(20); // billion-laughs expansion stops here
        o.setAllowRecursiveKeys(false);
        o.setNestingDepthLimit(64);
        o.setCodePointLimit(MAX_BYTES);
        o.setAllowDuplicateKeys(false);
        return o;
    }

    /** Loads a config file with overrides of the form {@code dotted.key=value} (value parsed as YAML). */
    public static Experiment load(Path file, List<String> overrides) {
        String text = read(file);
        return parse(text, file.toString(), overrides);
    }

    /** Parses YAML text; {@code source} names it in messages (a file name). */
    public static Experiment parse(String text, String source, List<String> overrides) {
        JsonNode user = readTree(text, source);
        if (user == null || user.isMissingNode() || user.isNull()) {
            user = JsonNodeFactory.instance.objectNode();
        }
        if (!user.isObject()) {
            throw new BadInputException(source + ": the top level must be a mapping of sections (data, model, ...)");
        }
        Map<String, Integer> lines = fieldLines(text);
        Map<String, String> sets = new HashMap<>();
        for (String o : overrides) {
            applyOverride((ObjectNode) user, o, sets);
        }
        ObjectNode merged = withDefaults((ObjectNode) user, source, lines, sets);
        try {
            return MAPPER.treeToValue(merged, Experiment.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw explain(e, source, lines, sets);
        }
    }

    /** The resolved config as YAML, every field explicit; reading it back gives an equal experiment. */
    public static String toYaml(Experiment e) {
        try {
            return MAPPER.writeValueAsString(e);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot write config", ex);
        }
    }

    /** The mapper configured for grokscope's YAML files, for other readers (sweep files). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Reads a whole config file; missing, unreadable or oversized files are bad input. */
    public static String read(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                throw new BadInputException(file + ": no such file");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new BadInputException(file + ": larger than " + MAX_BYTES + " bytes; not a config");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new BadInputException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** The YAML core schema's tags; anything else (e.g. {@code !!java.net.URL}) is refused. */
    private static final java.util.Set<String> PLAIN_TAGS = java.util.Set.of("str", "int", "float", "bool", "null",
            "map", "seq").stream().map(t -> "tag:yaml.org,2002:" + t).collect(Collectors.toSet());

    static JsonNode readTree(String text, String source) {
        refuseTags(text, source);
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc != null && loc.getLineNr() > 0 ? source + ":" + loc.getLineNr() : source;
            throw new BadInputException(where + ": " + yamlProblem(e));
        } catch (RuntimeException e) {
            // SnakeYAML's own limits (aliases, nesting, size) surface as unchecked exceptions.
            throw new BadInputException(source + ": not acceptable YAML: " + firstLine(e.getMessage()));
        }
    }

    /**
     * Refuses YAML tags other than the core schema's: grokscope never constructs objects from tags, but a
     * tag in a config is a mistake or an attack and should be named, not silently ignored.
     */
    private static void refuseTags(String text, String source) {
        try (JsonParser p = YAML.createParser(text)) {
            while (p.nextToken() != null) {
                String tag = p.getTypeId() == null ? null : p.getTypeId().toString();
                if (tag != null && !PLAIN_TAGS.contains(tag)) {
                    throw new BadInputException(source + ":" + p.currentTokenLocation().getLineNr()
                            + ": YAML tags are not allowed, got !" + tag.replace("tag:yaml.org,2002:", "!"));
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException b) {
                throw b;
            }
            // malformed YAML: reported with its position by readTree
        }
    }

    private static String yamlProblem(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        if (m != null && m.startsWith("Duplicate field")) {
            return "duplicate key " + m.substring(m.indexOf('\'')).split("\\R")[0];
        }
        return "malformed YAML: " + firstLine(m);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        return s.strip().split("\\R")[0];
    }

    /** Maps every dotted field path of the YAML text to the line where its key stands. */
    static Map<String, Integer> fieldLines(String text) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = YAML.createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME) {
                    String path = p.getParsingContext().pathAsPointer().toString().substring(1).replace('/', '.');
                    lines.putIfAbsent(path, p.currentTokenLocation().getLineNr());
                }
            }
        } catch (IOException | RuntimeException e) {
            // Already parsed once; positions are a courtesy.
        }
        return lines;
    }

    private static void applyOverride(ObjectNode root, String override, Map<String, String> sets) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new BadInputException("--set " + override + ": must be key=value, e.g. training.epochs=300");
        }
        String key = override.substring(0, eq).strip();
        String raw = override.substring(eq + 1);
        if (!key.matches("[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)*")) {
            throw new BadInputException("--set " + override + ": '" + key + "' is not a dotted key like training.epochs");
        }
        JsonNode value = raw.isEmpty() ? JsonNodeFactory.instance.textNode("") : readTree(raw, "--set " + override);
        if (value == null || value.isMissingNode()) {
            value = JsonNodeFactory.instance.nullNode();
        }
        String[] parts = key.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (child == null || child.isNull()) {
                child = node.putObject(parts[i]);
            } else if (!child.isObject()) {
                throw new BadInputException("--set " + override + ": "
                        + String.join(".", Arrays.copyOf(parts, i + 1)) + " is a value, not a section");
            }
            node = (ObjectNode) child;
        }
        node.set(parts[parts.length - 1], value);
        sets.put(key, override);
    }

    private static ObjectNode withDefaults(ObjectNode user, String source, Map<String, Integer> lines,
                                           Map<String, String> sets) {
        ObjectNode defaults = (ObjectNode) defaultsTree();
        ObjectNode models = (ObjectNode) defaults.remove("models");
        JsonNode model = user.get("model");
        String type = "mlp";
        if (model != null && model.isObject() && model.has("type")) {
            JsonNode t = model.get("type");
            if (!t.isTextual() || !models.has(t.asText())) {
                throw explain(new ConfigException("model.type", "must be one of " + names(models) + ", got "
                        + t), source, lines, sets);
            }
            type = t.asText();
        }
        ObjectNode modelDefaults = ((ObjectNode) models.get(type)).deepCopy();
        modelDefaults.put("type", type);
        defaults.set("model", modelDefaults);
        merge(defaults, user);
        return defaults;
    }

    private static String names(ObjectNode o) {
        List<String> n = new ArrayList<>();
        o.fieldNames().forEachRemaining(n::add);
        return n.toString();
    }

    /** Overlays {@code over} onto {@code base}: mappings merge key by key, anything else replaces. */
    private static void merge(ObjectNode base, JsonNode over) {
        Iterator<Map.Entry<String, JsonNode>> it = over.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode b = base.get(e.getKey());
            if (b != null && b.isObject() && e.getValue().isObject()) {
                merge((ObjectNode) b, e.getValue());
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }

    static JsonNode defaultsTree() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("defaults.yaml missing from the classpath");
            }
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BadInputException explain(Exception e, String source, Map<String, Integer> lines,
                                             Map<String, String> sets) {
        String field;
        String rule;
        Throwable cause = e instanceof ValueInstantiationException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ConfigException ce) {
            field = ce.field();
            rule = ce.rule();
        } else if (e instanceof JsonMappingException jme) {
            field = path(jme);
            rule = mappingRule(jme);
        } else {
            field = "";
            rule = firstLine(e.getMessage());
        }
        return new BadInputException(where(field, source, lines, sets) + ": " + (field.isEmpty() ? "" : field + ": ") + rule, e);
    }

    private static String where(String field, String source, Map<String, Integer> lines, Map<String, String> sets) {
        for (String f = field; !f.isEmpty(); f = f.contains(".") ? f.substring(0, f.lastIndexOf('.')) : "") {
            if (sets.containsKey(f)) {
                return "--set " + sets.get(f);
            }
            if (lines.containsKey(f)) {
                return source + ":" + lines.get(f);
            }
        }
        return source;
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String mappingRule(JsonMappingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            List<String> known = u.getKnownPropertyIds() == null ? List.of()
                    : u.getKnownPropertyIds().stream().map(Object::toString).sorted().toList();
            return "unknown key; known keys here: " + known;
        }
        if (e instanceof InvalidTypeIdException t) {
            return "unknown type '" + t.getTypeId() + "'";
        }
        if (e instanceof InvalidFormatException f && f.getTargetType() != null && f.getTargetType().isEnum()) {
            List<String> names = Arrays.stream(f.getTargetType().getEnumConstants())
                    .map(c -> enumName((Enum<?>) c)).toList();
            return "must be one of " + names + ", got " + quoted(f.getValue());
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return "must be " + describe(m.getTargetType()) + (e.getCause() instanceof InputCoercionException
                    ? " in range" : "") + gotValue(m);
        }
        if (e.getCause() instanceof InputCoercionException) {
            return "number out of range";
        }
        return firstLine(e.getOriginalMessage());
    }

    private static String gotValue(MismatchedInputException m) {
        if (m instanceof InvalidFormatException f) {
            return ", got " + quoted(f.getValue());
        }
        String msg = m.getOriginalMessage();
        if (msg != null && msg.contains("out of range")) {
            return ", got a number out of range";
        }
        if (msg != null && msg.contains("from Floating-point value")) {
            return ", got a fraction";
        }
        java.util.regex.Matcher str = msg == null ? null
                : java.util.regex.Pattern.compile("String value \\(\"([^\"]*)\"\\)").matcher(msg);
        if (str != null && str.find()) {
            return ", got '" + str.group(1) + "'";
        }
        java.util.regex.Matcher num = msg == null ? null
                : java.util.regex.Pattern.compile("(?:Integer|Floating-point|Number) value \\(([^)]*)\\)").matcher(msg);
        if (num != null && num.find()) {
            return ", got " + num.group(1);
        }
        if (msg != null && (msg.contains("START_ARRAY") || msg.contains("Array value"))) {
            return ", got a list";
        }
        if (msg != null && (msg.contains("START_OBJECT") || msg.contains("Object value"))) {
            return ", got a mapping";
        }
        if (msg != null && msg.contains("null")) {
            return ", got null";
        }
        return "";
    }

    private static String quoted(Object v) {
        return v instanceof String s ? "'" + s + "'" : String.valueOf(v);
    }

    private static String enumName(Enum<?> c) {
        try {
            com.fasterxml.jackson.annotation.JsonProperty p = c.getDeclaringClass().getField(c.name())
                    .getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
            return p != null ? p.value() : c.name().toLowerCase();
        } catch (NoSuchFieldException e) {
            return c.name().toLowerCase();
        }
    }

    private static String describe(Class<?> t) {
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
            return "an integer";
        }
        if (t == double.class || t == Double.class || t == float.class) {
            return "a number";
        }
        if (t == boolean.class || t == Boolean.class) {
            return "true or false";
        }
        if (t == String.class) {
            return "a string";
        }
        if (t.isEnum()) {
            return "one of " + Arrays.stream(t.getEnumConstants()).map(c -> enumName((Enum<?>) c)).toList();
        }
        return "a mapping (section)";
    }

    /** Reads {@link JsonMapper}-compatible JSON/YAML into a tree with this loader's limits (for sweeps). */
    public static JsonNode tree(String text, String source) {
        return readTree(text, source);
    }
}
