package org.sigbatch.spi.stream;

import java.lang.System.Logger.Level;
import java.nio.Buffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.sigbatch.Operand;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.DeviceMemory;

/**
 * The operands of one call that the device copies from and to in the caller's memory, registered
 * for DMA for the call ({@code cuMemHostRegister}), so that they skip the staging copy: direct
 * buffers in native byte order of at least {@code minBytes}. An output is used in place only when
 * it overlaps no input: its chunks may land out of order, and an in-place call must keep the inputs
 * of the chunks not yet drained for the CPU to finish them after a failure. Whatever cannot be
 * registered (too small, heap memory, foreign byte order, registered already, the driver refuses) is
 * staged as before.
 *
 * <p>Memory is registered in pieces of whole chunks, at most {@code maxPieceBytes} each (JCuda
 * addresses pinned memory through ByteBuffers, whose size is an int), so that every chunk's copy
 * lies within one piece. {@link #close()} unregisters everything, also after a failure; the
 * backend's {@link DeviceMemory} counts what is registered, so tests can check that nothing stays.
 */
public final class DirectHost implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.sigbatch");
    /** Default for {@code maxPieceBytes}: 1 GiB, well below JCuda's 2 GiB ByteBuffer limit. */
    public static final long MAX_PIECE_BYTES = 1L << 30;
    /** Nothing direct. */
    public static final DirectHost NONE = new DirectHost(null, new Piece[0][], 0, 1);

    /** Registers host memory for DMA with a device driver. */
    public interface Registrar {
        /**
         * Registers bytes {@code [byteOffset, byteOffset+bytes)} of the direct buffer (counted from
         * its index 0); returns the handle the engine copies with. Throws if the driver refuses.
         */
        Object register(Buffer buffer, long byteOffset, long bytes);

        void unregister(Object handle);

        /** Where registrations are counted. */
        DeviceMemory memory();
    }

    /** One registered piece: elements {@code [first, first+count)} of the operand's window. */
    public record Piece(Object handle, long first, long count, long bytes) {
    }

    private final Registrar registrar;
    /** Per operand (inputs, then outputs): its pieces, or null when staged. */
    private final Piece[][] pieces;
    private final long pieceElements;
    private final int elementBytes;
    private boolean closed;

    private DirectHost(Registrar registrar, Piece[][] pieces, long pieceElements, int elementBytes) {
        this.registrar = registrar;
        this.pieces = pieces;
        this.pieceElements = pieceElements;
        this.elementBytes = elementBytes;
    }

    /** Registers what can be used in place; never throws for memory that cannot (it is staged). */
    public static DirectHost open(Batch batch, ChunkPlan plan, Registrar r, long minBytes, long maxPieceBytes) {
        int eb = batch.dtype().bytes();
        long chunkBytes = (long) plan.chunkElements() * eb;
        if (minBytes < 0 || r == null || chunkBytes > maxPieceBytes || batch.length() == 0) {
            return NONE;
        }
        long pieceElements = maxPieceBytes / chunkBytes * plan.chunkElements();
        int nIn = batch.inputs().size();
        Piece[][] pieces = new Piece[nIn + batch.outputs().size()][];
        DirectHost d = new DirectHost(r, pieces, pieceElements, eb);
        for (int k = 0; k < pieces.length; k++) {
            Operand o = k < nIn ? batch.in(k) : batch.out(k - nIn);
            if (eligible(batch, o, k >= nIn, minBytes, eb) && !sharesStorage(batch, pieces, k)) {
                pieces[k] = d.register(o);
            }
        }
        return d;
    }

    private static boolean eligible(Batch batch, Operand o, boolean output, long minBytes, int eb) {
        Buffer b = switch (o) {
            case Operand.F32Buffer f -> f.buffer();
            case Operand.F64Buffer f -> f.buffer();
            default -> null;
        };
        if (b == null || !b.isDirect() || (long) o.length() * eb < minBytes || order(b) != ByteOrder.nativeOrder()) {
            return false;
        }
        if (output) {
            for (Operand in : batch.inputs()) {
                if (in.overlaps(o)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static ByteOrder order(Buffer b) {
        return b instanceof FloatBuffer f ? f.order() : ((DoubleBuffer) b).order();
    }

    /** The same storage registered twice would fail ("already registered"): stage the second. */
    private static boolean sharesStorage(Batch batch, Piece[][] pieces, int k) {
        int nIn = batch.inputs().size();
        Object s = (k < nIn ? batch.in(k) : batch.out(k - nIn)).storage();
        for (int j = 0; j < k; j++) {
            if (pieces[j] != null && (j < nIn ? batch.in(j) : batch.out(j - nIn)).storage() == s) {
                return true;
            }
        }
        return false;
    }

    private Piece[] register(Operand o) {
        Buffer b = (Buffer) o.storage();
        int n = (int) ((o.length() + pieceElements - 1) / pieceElements);
        Piece[] ps = new Piece[n];
        for (int p = 0; p < n; p++) {
            long first = p * pieceElements;
            long count = Math.min(pieceElements, o.length() - first);
            long bytes = count * elementBytes;
            try {
                Object h = registrar.register(b, (o.storageIndex() + first) * elementBytes, bytes);
                registrar.memory().hostRegistered(bytes);
                ps[p] = new Piece(h, first, count, bytes);
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, () -> "cannot register " + bytes + " B of host memory for DMA, staging it: " + e.getMessage());
                unregister(ps);
                return null;
            }
        }
        return ps;
    }

    /** True if operand {@code k} (inputs, then outputs) is copied in place. */
    public boolean direct(int k) {
        return k < pieces.length && pieces[k] != null;
    }

    /** Operands copied in place. */
    public int directOperands() {
        int n = 0;
        for (Piece[] p : pieces) {
            n += p == null ? 0 : 1;
        }
        return n;
    }

    /** The piece of operand {@code k} that holds the chunk starting at {@code element} of the window. */
    public Piece piece(int k, long element) {
        return pieces[k][(int) (element / pieceElements)];
    }

    /** Bytes from the piece's start to {@code element}. */
    public long offsetInPiece(int k, long element) {
        return (element - piece(k, element).first()) * elementBytes;
    }

    /** Unregisters everything; failures are logged (the call's results are complete or already failed). */
    @Override
    public void close() {
        if (closed || registrar == null) {
            return;
        }
        closed = true;
        for (int k = 0; k < pieces.length; k++) {
            if (pieces[k] != null) {
                unregister(pieces[k]);
                pieces[k] = null;
            }
        }
    }

    private void unregister(Piece[] ps) {
        for (Piece p : ps) {
            if (p == null) {
                continue;
            }
            try {
                registrar.unregister(p.handle());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cannot unregister " + p.bytes() + " B of host memory: " + e.getMessage());
            } finally {
                registrar.memory().hostUnregistered(p.bytes());
            }
        }
    }
}
