package org.sigbatch.cli;

import org.sigbatch.BackendKind;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.VerifyPolicy;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters that accept the labels used on the command line (e.g. {@code backward-from-output}). */
final class Converters {
    private Converters() {
    }

    static final class OpConverter implements ITypeConverter<Op> {
        @Override
        public Op convert(String s) {
            try {
                return Op.parse(s);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class BackendConverter implements ITypeConverter<BackendKind> {
        @Override
        public BackendKind convert(String s) {
            try {
                return BackendKind.parse(s);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class VerifyConverter implements ITypeConverter<VerifyPolicy> {
        @Override
        public VerifyPolicy convert(String s) {
            try {
                return VerifyPolicy.parse(s);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class WriteModeConverter implements ITypeConverter<ChunkSink.WriteMode> {
        @Override
        public ChunkSink.WriteMode convert(String s) {
            try {
                return ChunkSink.WriteMode.parse(s);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class DTypeConverter implements ITypeConverter<DType> {
        @Override
        public DType convert(String s) {
            return parseDType(s);
        }
    }

    static DType parseDType(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "float32", "float", "<f4" -> DType.F32;
            case "f64", "float64", "double", "<f8" -> DType.F64;
            default -> throw new TypeConversionException("unknown dtype '" + s + "' (expected f32 or f64)");
        };
    }

    /** "f32" / "f64", the short names used in reports. */
    static String shortName(DType t) {
        return t == DType.F32 ? "f32" : "f64";
    }

    static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String s) {
            try {
                return Sizes.parse(s, "size");
            } catch (UserError e) {
                throw new TypeConversionException(e.getMessage().substring("size: ".length()));
            }
        }
    }
}
