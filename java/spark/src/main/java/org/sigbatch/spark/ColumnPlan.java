package org.sigbatch.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sigbatch.Op;

/**
 * Where the inputs are in a row and where the outputs go, checked against the input schema on the
 * driver, so a bad column name or type fails before any task starts, with a message naming it.
 */
final class ColumnPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    final ColumnKind kind;
    /** The Spark type of every output column. */
    final DataType outputType;
    final int inputIndex;
    /** Index of gradOut, or -1. */
    final int gradIndex;
    /** Output positions in the output row: one per op output (σ and σ' for fused). */
    final int[] outputIndex;
    /** Number of fields in an input row and in an output row. */
    final int inputWidth;
    final int outputWidth;
    /** For each output-row field that comes from the input: its input index; -1 for computed fields. */
    final int[] passThrough;
    /** Whether array elements may be null (then each element is checked). */
    final boolean elementNulls;
    final StructType outputSchema;
    final StructType inputSchema;

    private ColumnPlan(ColumnKind kind, DataType outputType, int inputIndex, int gradIndex, int[] outputIndex, int inputWidth,
                       int[] passThrough, boolean elementNulls, StructType outputSchema, StructType inputSchema) {
        this.kind = kind;
        this.outputType = outputType;
        this.inputIndex = inputIndex;
        this.gradIndex = gradIndex;
        this.outputIndex = outputIndex;
        this.inputWidth = inputWidth;
        this.outputWidth = passThrough.length;
        this.passThrough = passThrough;
        this.elementNulls = elementNulls;
        this.outputSchema = outputSchema;
        this.inputSchema = inputSchema;
    }

    static ColumnPlan of(StructType schema, SigbatchOptions o) {
        StructField[] fields = schema.fields();
        int in = find(fields, o.inputCol(), "input column");
        StructField inField = fields[in];
        ColumnKind kind = ColumnKind.of(inField.dataType());
        if (kind == null) {
            throw new IllegalArgumentException("sigbatch: input column '" + inField.name() + "' has type " + inField.dataType().simpleString()
                    + "; sigbatch takes float, double, array<float> or array<double> (cast it first, e.g. col(\"" + inField.name()
                    + "\").cast(\"double\"))");
        }
        boolean nullable = inField.nullable();
        boolean containsNull = ColumnKind.containsNull(inField.dataType());
        int grad = -1;
        if (o.gradCol() != null) {
            grad = find(fields, o.gradCol(), "gradient column");
            StructField g = fields[grad];
            if (ColumnKind.of(g.dataType()) != kind) {
                throw new IllegalArgumentException("sigbatch: gradient column '" + g.name() + "' has type " + g.dataType().simpleString()
                        + " but input column '" + inField.name() + "' has " + inField.dataType().simpleString() + "; they must have the same type");
            }
            nullable |= g.nullable();
            containsNull |= ColumnKind.containsNull(g.dataType());
        }
        List<String> outs = new ArrayList<>();
        outs.add(o.outputCol());
        if (o.op() == Op.FUSED) {
            outs.add(o.derivativeCol());
        }
        DataType outType = kind.outputType(containsNull);
        List<StructField> outFields = new ArrayList<>(Arrays.asList(fields));
        List<Integer> pass = new ArrayList<>();
        for (int i = 0; i < fields.length; i++) {
            pass.add(i);
        }
        int[] outIdx = new int[outs.size()];
        for (int k = 0; k < outs.size(); k++) {
            String name = outs.get(k);
            int existing = indexOf(fields, name);
            if (existing >= 0) {
                if (!o.overwrite()) {
                    throw new IllegalArgumentException("sigbatch: output column '" + fields[existing].name()
                            + "' already exists; choose another name or ask for overwrite (it is then replaced in place)");
                }
                outFields.set(existing, new StructField(fields[existing].name(), outType, nullable, Metadata.empty()));
                pass.set(existing, -1);
                outIdx[k] = existing;
            } else {
                outFields.add(new StructField(name, outType, nullable, Metadata.empty()));
                pass.add(-1);
                outIdx[k] = outFields.size() - 1;
            }
        }
        int[] passThrough = pass.stream().mapToInt(Integer::intValue).toArray();
        return new ColumnPlan(kind, outType, in, grad, outIdx, fields.length, passThrough, containsNull,
                new StructType(outFields.toArray(new StructField[0])), schema);
    }

    private static int find(StructField[] fields, String name, String role) {
        int i = indexOf(fields, name);
        if (i < 0) {
            List<String> names = new ArrayList<>();
            for (StructField f : fields) {
                names.add(f.name());
            }
            throw new IllegalArgumentException("sigbatch: " + role + " '" + name + "' does not exist; the DataFrame has columns " + names);
        }
        return i;
    }

    /** Exact match first, then a unique case-insensitive one (Spark's default resolution). */
    private static int indexOf(StructField[] fields, String name) {
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].name().equals(name)) {
                return i;
            }
        }
        int found = -1;
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].name().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                if (found >= 0) {
                    throw new IllegalArgumentException("sigbatch: column name '" + name + "' is ambiguous: it matches '"
                            + fields[found].name() + "' and '" + fields[i].name() + "'");
                }
                found = i;
            }
        }
        return found;
    }
}
