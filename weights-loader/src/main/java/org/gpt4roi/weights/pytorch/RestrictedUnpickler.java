package org.gpt4roi.weights.pytorch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gpt4roi.tensor.ModelFileException;

/**
 * A pickle reader for exactly what {@code torch.save(state_dict)} writes (protocol 2, and the
 * protocol-4 framing opcodes). It imports and calls nothing: the few globals of {@link TorchGlobal}
 * are recognised as tags and every other global is refused, so loading a checkpoint cannot run code.
 *
 * <p>Python values become: int → {@link Long}, str → {@link String}, bool → {@link Boolean},
 * None → null, tuple → unmodifiable {@link List}, list → {@link ArrayList}, dict and OrderedDict →
 * {@link LinkedHashMap}, a persistent id → {@link StorageRef}, {@code _rebuild_tensor_v2(...)} →
 * {@link PickledTensor}.
 */
final class RestrictedUnpickler {
    private final byte[] code;
    private final String where;
    private int pos;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayDeque<Integer> marks = new ArrayDeque<>();
    private final HashMap<Long, Object> memo = new HashMap<>();

    private RestrictedUnpickler(byte[] code, String where) {
        this.code = code;
        this.where = where;
    }

    /** Runs the pickle and returns its value; {@code where} names the pickle in errors (file: entry). */
    static Object load(byte[] pickle, String where) {
        return new RestrictedUnpickler(pickle, where).run();
    }

    private Object run() {
        while (true) {
            int at = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> { if (u8() > 5) throw fail(at, "pickle protocol above 5"); }      // PROTO
                case 0x95 -> bytes(8);                                                          // FRAME: length only
                case '.' -> { return pop(at); }                                                 // STOP
                case '(' -> marks.push(stack.size());                                           // MARK
                case '}' -> stack.add(new LinkedHashMap<>());                                   // EMPTY_DICT
                case ']' -> stack.add(new ArrayList<>());                                       // EMPTY_LIST
                case ')' -> stack.add(List.of());                                               // EMPTY_TUPLE
                case 't' -> stack.add(tuple(popMark(at)));                                      // TUPLE
                case 0x85, 0x86, 0x87 -> stack.add(tuple(popN(op - 0x84, at)));                 // TUPLE1..3
                case 'N' -> stack.add(null);                                                    // NONE
                case 0x88 -> stack.add(Boolean.TRUE);                                           // NEWTRUE
                case 0x89 -> stack.add(Boolean.FALSE);                                          // NEWFALSE
                case 'J' -> stack.add((long) le(4, true));                                      // BININT
                case 'K' -> stack.add(le(1, false));                                            // BININT1
                case 'M' -> stack.add(le(2, false));                                            // BININT2
                case 0x8a -> stack.add(long1(at));                                              // LONG1
                case 'X' -> stack.add(utf8(le(4, false)));                                      // BINUNICODE
                case 0x8c -> stack.add(utf8(u8()));                                             // SHORT_BINUNICODE
                case 'q' -> memo.put(le(1, false), top(at));                                    // BINPUT
                case 'r' -> memo.put(le(4, false), top(at));                                    // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), top(at));                             // MEMOIZE
                case 'h' -> stack.add(memoGet(le(1, false), at));                               // BINGET
                case 'j' -> stack.add(memoGet(le(4, false), at));                               // LONG_BINGET
                case 'c' -> stack.add(TorchGlobal.resolve(line(at), line(at), where));          // GLOBAL
                case 0x93 -> {                                                                  // STACK_GLOBAL
                    String name = string(pop(at), at), module = string(pop(at), at);
                    stack.add(TorchGlobal.resolve(module, name, where));
                }
                case 'R' -> { Object args = pop(at); stack.add(call(pop(at), args, at)); }      // REDUCE
                case 'Q' -> stack.add(storage(pop(at), at));                                    // BINPERSID
                case 's' -> { Object v = pop(at), k = pop(at); dict(top(at), at).put(k, v); }   // SETITEM
                case 'u' -> {                                                                   // SETITEMS
                    List<Object> kv = popMark(at);
                    Map<Object, Object> d = dict(top(at), at);
                    for (int i = 0; i + 1 < kv.size(); i += 2) d.put(kv.get(i), kv.get(i + 1));
                }
                case 'a' -> { Object v = pop(at); list(top(at), at).add(v); }                  // APPEND
                case 'e' -> { List<Object> vs = popMark(at); list(top(at), at).addAll(vs); }   // APPENDS
                case 'b' -> build(pop(at), top(at), at);                                        // BUILD
                default -> throw fail(at, String.format("unsupported pickle opcode 0x%02x", op)
                        + " (this reader understands only state dicts of tensors as torch.save writes them)");
            }
        }
    }

    /** REDUCE: {@code OrderedDict()} and {@code _rebuild_tensor_v2(...)}; nothing else may be called. */
    private Object call(Object callable, Object args, int at) {
        if (!(callable instanceof TorchGlobal g)) throw fail(at, "REDUCE of a non-global " + typeName(callable));
        List<Object> a = tuple(args, at);
        return switch (g) {
            case ORDERED_DICT -> {
                if (!a.isEmpty()) throw fail(at, "OrderedDict called with arguments");
                yield new LinkedHashMap<>();
            }
            case REBUILD_TENSOR_V2 -> tensor(a, at);
            default -> throw fail(at, g + " called like a function");
        };
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private PickledTensor tensor(List<Object> a, int at) {
        if (a.size() < 6 || !(a.get(0) instanceof StorageRef s))
            throw fail(at, "_rebuild_tensor_v2 with unexpected arguments " + a);
        List<Object> size = tuple(a.get(2), at), stride = tuple(a.get(3), at);
        if (size.size() != stride.size()) throw fail(at, "tensor size " + size + " and stride " + stride + " differ in rank");
        int[] shape = new int[size.size()];
        long[] strides = new long[size.size()];
        for (int i = 0; i < shape.length; i++) {
            long d = integer(size.get(i), at), st = integer(stride.get(i), at);
            if (d < 0 || d > Integer.MAX_VALUE || st < 0) throw fail(at, "tensor size " + size + " / stride " + stride + " out of range");
            shape[i] = (int) d;
            strides[i] = st;
        }
        long offset = integer(a.get(1), at);
        if (offset < 0) throw fail(at, "negative storage offset " + offset);
        return new PickledTensor(s, offset, shape, strides);
    }

    /** BINPERSID: {@code ('storage', torch.XStorage, key, location, numel)}. */
    private StorageRef storage(Object pid, int at) {
        List<Object> t = tuple(pid, at);
        if (t.size() != 5 || !"storage".equals(t.get(0)) || !(t.get(1) instanceof TorchGlobal g) || g.storageDType == null)
            throw fail(at, "unsupported persistent id " + t + " (expected ('storage', torch.XStorage, key, location, numel))");
        long numel = integer(t.get(4), at);
        if (numel < 0) throw fail(at, "storage with negative size " + numel);
        return new StorageRef(string(t.get(2), at), g.storageDType, numel);
    }

    /** BUILD on a dict sets Python attributes (a state dict's {@code _metadata}); they carry no tensors. */
    private void build(Object state, Object target, int at) {
        if (!(target instanceof Map<?, ?>) || !(state instanceof Map<?, ?>))
            throw fail(at, "BUILD of " + typeName(target) + " with " + typeName(state) + " (only a state dict's attributes are understood)");
    }

    // ---- stack, memo and argument helpers ----

    private Object pop(int at) {
        if (stack.isEmpty() || (!marks.isEmpty() && marks.peek() == stack.size())) throw fail(at, "stack underflow");
        return stack.removeLast();
    }

    private Object top(int at) {
        if (stack.isEmpty()) throw fail(at, "stack underflow");
        return stack.getLast();
    }

    private List<Object> popMark(int at) {
        if (marks.isEmpty()) throw fail(at, "no MARK on the stack");
        int m = marks.pop();
        List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private List<Object> popN(int n, int at) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) items[i] = pop(at);
        return Arrays.asList(items);
    }

    private Object memoGet(long key, int at) {
        if (!memo.containsKey(key)) throw fail(at, "memo key " + key + " was never stored");
        return memo.get(key);
    }

    private static List<Object> tuple(List<Object> items) { return Collections.unmodifiableList(new ArrayList<>(items)); }

    @SuppressWarnings("unchecked")
    private List<Object> tuple(Object o, int at) {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw fail(at, "expected a tuple, found " + typeName(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, int at) {
        if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw fail(at, "SETITEM on " + typeName(o));
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, int at) {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw fail(at, "APPEND on " + typeName(o));
    }

    private long integer(Object o, int at) {
        if (o instanceof Long v) return v;
        throw fail(at, "expected an int, found " + typeName(o));
    }

    private String string(Object o, int at) {
        if (o instanceof String s) return s;
        throw fail(at, "expected a str, found " + typeName(o));
    }

    private static String typeName(Object o) { return o == null ? "None" : o.getClass().getSimpleName(); }

    // ---- reading the byte code ----

    private int u8() {
        if (pos >= code.length) throw fail(pos, "the pickle ends without STOP (truncated)");
        return code[pos++] & 0xff;
    }

    private byte[] bytes(long n) {
        if (n < 0 || n > code.length - pos) throw fail(pos, "an argument of " + n + " bytes runs past the end of the pickle");
        byte[] b = Arrays.copyOfRange(code, pos, pos + (int) n);
        pos += (int) n;
        return b;
    }

    /** An n-byte little-endian integer, sign-extended when {@code signed}. */
    private long le(int n, boolean signed) {
        byte[] b = bytes(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return signed && n < 8 && (b[n - 1] & 0x80) != 0 ? v - (1L << (8 * n)) : v;
    }

    /** LONG1: a length byte, then a little-endian two's-complement integer (offsets beyond 2^31). */
    private long long1(int at) {
        int n = u8();
        if (n > 8) throw fail(at, "integer of " + n + " bytes does not fit 64 bits");
        return n == 0 ? 0 : le(n, true);
    }

    private String utf8(long n) { return new String(bytes(n), StandardCharsets.UTF_8); }

    /** A newline-terminated ASCII argument (GLOBAL's module and name). */
    private String line(int at) {
        int start = pos;
        while (u8() != '\n') if (pos - start > 256) throw fail(at, "GLOBAL name longer than 256 bytes");
        return new String(code, start, pos - 1 - start, StandardCharsets.US_ASCII);
    }

    private ModelFileException fail(int at, String what) {
        return new ModelFileException(where + ": byte " + at + ": " + what);
    }
}
