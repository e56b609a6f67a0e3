package org.sigbatch.spark;

import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.sigbatch.DType;

/** The column types sigbatch computes on: a number per row, or an array of numbers per row. */
enum ColumnKind {
    FLOAT(DType.F32, false),
    DOUBLE(DType.F64, false),
    FLOAT_ARRAY(DType.F32, true),
    DOUBLE_ARRAY(DType.F64, true);

    final DType dtype;
    final boolean array;

    ColumnKind(DType dtype, boolean array) {
        this.dtype = dtype;
        this.array = array;
    }

    /** The kind of a Spark type, or null if sigbatch does not take it. */
    static ColumnKind of(DataType t) {
        if (t.equals(DataTypes.FloatType)) {
            return FLOAT;
        }
        if (t.equals(DataTypes.DoubleType)) {
            return DOUBLE;
        }
        if (t instanceof ArrayType a) {
            if (a.elementType().equals(DataTypes.FloatType)) {
                return FLOAT_ARRAY;
            }
            if (a.elementType().equals(DataTypes.DoubleType)) {
                return DOUBLE_ARRAY;
            }
        }
        return null;
    }

    /** The output type for an input of this kind; arrays may hold nulls if either input may. */
    DataType outputType(boolean containsNull) {
        return switch (this) {
            case FLOAT -> DataTypes.FloatType;
            case DOUBLE -> DataTypes.DoubleType;
            case FLOAT_ARRAY -> DataTypes.createArrayType(DataTypes.FloatType, containsNull);
            case DOUBLE_ARRAY -> DataTypes.createArrayType(DataTypes.DoubleType, containsNull);
        };
    }

    static boolean containsNull(DataType t) {
        return t instanceof ArrayType a && a.containsNull();
    }
}
