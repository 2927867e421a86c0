package io.github.mtldl4j.export;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx;
import org.nd4j.shade.protobuf.ByteString;

/**
 * An ONNX graph under construction: typed inputs and outputs, constant tensors (initializers) and nodes, each value
 * named once. {@link #model} wraps it in a {@code ModelProto} of IR version {@value #IR_VERSION}, default domain at
 * opset {@value #OPSET} and, when used, {@code ai.onnx.ml} at opset {@value #ML_OPSET}. Values whose name starts with
 * a prefix handed out by {@link #fresh} are internal; the caller names inputs and outputs.
 */
public final class OnnxGraph {
    /** The opset of the default ONNX domain: supported by ONNX Runtime since 1.6. */
    public static final int OPSET = 13;
    /** The opset of the {@code ai.onnx.ml} domain (LabelEncoder), used only by graphs that encode strings. */
    public static final int ML_OPSET = 2;
    /** ONNX IR version 7, the one that goes with opset 13. */
    public static final int IR_VERSION = 7;
    /** The domain of the classical-ML operators. */
    public static final String ML_DOMAIN = "ai.onnx.ml";

    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();
    private boolean usesMl;
    private int counter;

    /** An empty graph called {@code name}. */
    public OnnxGraph(String name) {
        graph.setName(name);
    }

    /** A new internal value name, unique in this graph: {@code hint} plus a number. */
    public String fresh(String hint) {
        String name;
        do {
            name = hint + "#" + counter++;
        } while (names.contains(name));
        names.add(name);
        return name;
    }

    /** Adds a graph input {@code name} of element type {@code type} and shape {@code [N, width]} (N free). */
    public String input(String name, Onnx.TensorProto.DataType type, long width) {
        claim(name, "input");
        graph.addInput(valueInfo(name, type, width));
        return name;
    }

    /** Declares {@code name}, a value some node produces, as a graph output of shape {@code [N, width]}. */
    public void output(String name, Onnx.TensorProto.DataType type, long width) {
        graph.addOutput(valueInfo(name, type, width));
    }

    /** Claims {@code name} for a value the caller names (an output node's result); refuses a name taken already. */
    public String claim(String name, String what) {
        if (!names.add(name)) {
            throw new IllegalArgumentException("ONNX export: the " + what + " name '" + name + "' is used twice in the graph; "
                    + "inputs and outputs need distinct names (rename the task or the column).");
        }
        return name;
    }

    private static Onnx.ValueInfoProto valueInfo(String name, Onnx.TensorProto.DataType type, long width) {
        Onnx.TensorShapeProto shape = Onnx.TensorShapeProto.newBuilder()
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(width)).build();
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }

    /** A float constant of the given shape (values in row-major order). */
    public String floats(String hint, float[] values, long... dims) {
        checkLength(values.length, dims);
        Onnx.TensorProto.Builder tensor = tensor(hint, Onnx.TensorProto.DataType.FLOAT, dims);
        for (float v : values) {
            tensor.addFloatData(v);
        }
        graph.addInitializer(tensor);
        return tensor.getName();
    }

    /** A double constant of the given shape (values in row-major order). */
    public String doubles(String hint, double[] values, long... dims) {
        checkLength(values.length, dims);
        Onnx.TensorProto.Builder tensor = tensor(hint, Onnx.TensorProto.DataType.DOUBLE, dims);
        for (double v : values) {
            tensor.addDoubleData(v);
        }
        graph.addInitializer(tensor);
        return tensor.getName();
    }

    /** A one-dimensional int64 constant. */
    public String longs(String hint, long... values) {
        Onnx.TensorProto.Builder tensor = tensor(hint, Onnx.TensorProto.DataType.INT64, values.length);
        for (long v : values) {
            tensor.addInt64Data(v);
        }
        graph.addInitializer(tensor);
        return tensor.getName();
    }

    private Onnx.TensorProto.Builder tensor(String hint, Onnx.TensorProto.DataType type, long... dims) {
        Onnx.TensorProto.Builder tensor = Onnx.TensorProto.newBuilder().setName(fresh(hint)).setDataType(type.getNumber());
        for (long d : dims) {
            tensor.addDims(d);
        }
        return tensor;
    }

    private static void checkLength(int length, long... dims) {
        long expected = 1;
        for (long d : dims) {
            expected *= d;
        }
        if (expected != length) {
            throw new IllegalStateException("constant of shape " + java.util.Arrays.toString(dims) + " given " + length + " values");
        }
    }

    /**
     * Adds a node of the default domain with one output named from {@code hint}.
     *
     * @param attributes attribute name to value: Integer/Long (INT), Float/Double (FLOAT), String (STRING), long[]
     *     (INTS), float[] (FLOATS), String[] (STRINGS)
     * @return the output's name
     */
    public String node(String op, String hint, Map<String, Object> attributes, String... inputs) {
        String out = fresh(hint);
        addNode("", op, out, attributes, inputs);
        return out;
    }

    /** {@link #node} without attributes. */
    public String node(String op, String hint, String... inputs) {
        return node(op, hint, Map.of(), inputs);
    }

    /** Adds a node whose output the caller names ({@link #claim claimed} already, e.g. a graph output). */
    public void nodeInto(String op, String out, Map<String, Object> attributes, String... inputs) {
        addNode("", op, out, attributes, inputs);
    }

    /** Adds a node of the {@code ai.onnx.ml} domain. */
    public String mlNode(String op, String hint, Map<String, Object> attributes, String... inputs) {
        usesMl = true;
        String out = fresh(hint);
        addNode(ML_DOMAIN, op, out, attributes, inputs);
        return out;
    }

    private void addNode(String domain, String op, String out, Map<String, Object> attributes, String... inputs) {
        Onnx.NodeProto.Builder node = Onnx.NodeProto.newBuilder().setOpType(op).setDomain(domain).setName(out + "/" + op)
                .addOutput(out);
        for (String in : inputs) {
            node.addInput(in);
        }
        new java.util.TreeMap<>(attributes).forEach((name, value) -> node.addAttribute(attribute(name, value)));
        graph.addNode(node);
    }

    private static Onnx.AttributeProto attribute(String name, Object value) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name);
        if (value instanceof Integer || value instanceof Long) {
            a.setType(Onnx.AttributeProto.AttributeType.INT).setI(((Number) value).longValue());
        } else if (value instanceof Float || value instanceof Double) {
            a.setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(((Number) value).floatValue());
        } else if (value instanceof String s) {
            a.setType(Onnx.AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
        } else if (value instanceof long[] ls) {
            a.setType(Onnx.AttributeProto.AttributeType.INTS);
            for (long l : ls) {
                a.addInts(l);
            }
        } else if (value instanceof float[] fs) {
            a.setType(Onnx.AttributeProto.AttributeType.FLOATS);
            for (float f : fs) {
                a.addFloats(f);
            }
        } else if (value instanceof String[] ss) {
            a.setType(Onnx.AttributeProto.AttributeType.STRINGS);
            for (String s : ss) {
                a.addStrings(ByteString.copyFromUtf8(s));
            }
        } else {
            throw new IllegalArgumentException("attribute " + name + ": unsupported value type " + value.getClass());
        }
        return a.build();
    }

    /** Attributes in order, e.g. {@code attributes("axis", 1)}. */
    public static Map<String, Object> attributes(Object... nameValue) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            map.put((String) nameValue[i], nameValue[i + 1]);
        }
        return map;
    }

    /**
     * The finished model.
     *
     * @param metadata key/value pairs stored as the model's {@code metadata_props}, in order
     */
    public Onnx.ModelProto model(String producerVersion, String docString, Map<String, String> metadata) {
        Onnx.ModelProto.Builder model = Onnx.ModelProto.newBuilder().setIrVersion(IR_VERSION)
                .setProducerName("mtl-dl4j").setProducerVersion(producerVersion == null ? "" : producerVersion)
                .setDocString(docString).setGraph(graph.build())
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
        if (usesMl) {
            model.addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain(ML_DOMAIN).setVersion(ML_OPSET));
        }
        List<String> keys = new ArrayList<>(metadata.keySet());
        for (String key : keys) {
            model.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(key).setValue(metadata.get(key)));
        }
        return model.build();
    }
}
