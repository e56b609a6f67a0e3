package org.sigbatch.cli.npy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the small subset of Python literal syntax that .npy headers use: a dict with string keys whose
 * values are strings, True/False/None, integers (with Python 2's optional {@code L}), tuples and lists.
 * Tuples and lists become {@link List}s, integers {@link Long}s.
 */
final class PyLiteral {
    /** Deeper nesting is refused: the parser recurses, and a 1 MiB header of '(' overflowed the stack (found by fuzzing). */
    static final int MAX_DEPTH = 32;
    private final String s;
    private int i;
    private int depth;

    private PyLiteral(String s) {
        this.s = s;
    }

    /** Parses {@code text} (trailing whitespace allowed) or throws {@link IllegalArgumentException} saying where it failed. */
    static Object parse(String text) {
        PyLiteral p = new PyLiteral(text);
        Object v = p.value();
        p.skipSpace();
        if (p.i != p.s.length()) {
            throw p.error("unexpected text after the dictionary");
        }
        return v;
    }

    private Object value() {
        skipSpace();
        if (i >= s.length()) {
            throw error("unexpected end");
        }
        char c = s.charAt(i);
        if ((c == '{' || c == '(' || c == '[') && ++depth > MAX_DEPTH) {
            throw error("nested more than " + MAX_DEPTH + " deep");
        }
        return switch (c) {
            case '{' -> dict();
            case '(' -> sequence('(', ')');
            case '[' -> sequence('[', ']');
            case '\'', '"' -> string();
            default -> {
                if (c == '-' || c == '+' || Character.isDigit(c)) {
                    yield integer();
                }
                if (Character.isLetter(c)) {
                    yield word();
                }
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Map<String, Object> dict() {
        expect('{');
        Map<String, Object> m = new LinkedHashMap<>();
        while (true) {
            skipSpace();
            if (peek('}')) {
                i++;
                depth--;
                return m;
            }
            Object k = value();
            if (!(k instanceof String key)) {
                throw error("dictionary keys must be strings");
            }
            skipSpace();
            expect(':');
            m.put(key, value());
            skipSpace();
            if (peek(',')) {
                i++;
            } else if (!peek('}')) {
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> sequence(char open, char close) {
        expect(open);
        List<Object> l = new ArrayList<>();
        while (true) {
            skipSpace();
            if (peek(close)) {
                i++;
                depth--;
                return l;
            }
            l.add(value());
            skipSpace();
            if (peek(',')) {
                i++;
            } else if (!peek(close)) {
                throw error("expected ',' or '" + close + "'");
            }
        }
    }

    private String string() {
        char q = s.charAt(i++);
        StringBuilder sb = new StringBuilder();
        while (i < s.length() && s.charAt(i) != q) {
            char c = s.charAt(i++);
            if (c == '\\' && i < s.length()) {
                c = s.charAt(i++);
            }
            sb.append(c);
        }
        if (i >= s.length()) {
            throw error("unterminated string");
        }
        i++;
        return sb.toString();
    }

    private Long integer() {
        int start = i;
        if (peek('-') || peek('+')) {
            i++;
        }
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        String digits = s.substring(start, i);
        if (i < s.length() && (s.charAt(i) == 'L' || s.charAt(i) == 'l')) {
            i++; // Python 2 long literal
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw error("bad integer '" + digits + "'");
        }
    }

    private Object word() {
        int start = i;
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
            i++;
        }
        String w = s.substring(start, i);
        return switch (w) {
            case "True" -> Boolean.TRUE;
            case "False" -> Boolean.FALSE;
            case "None" -> NONE;
            default -> throw error("unexpected name '" + w + "'");
        };
    }

    /** Python's None (a map cannot hold null values usefully). */
    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    private void skipSpace() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }

    private boolean peek(char c) {
        return i < s.length() && s.charAt(i) == c;
    }

    private void expect(char c) {
        if (!peek(c)) {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at character " + i);
    }
}
