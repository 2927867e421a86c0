package io.github.mtldl4j.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code Nd4j.gemm(a, b, c, transA, transB, alpha, beta)} with each product's op and op context built once per thread and
 * run again while the same arrays come back (the direct step's buffers live as long as the batch size). The same native
 * kernel with the same arguments as {@code Nd4j.gemm}, which builds a new {@code Mmul} op and op context per call: a few
 * kilobytes of Java objects and a native context each, dozens of times per step, and the main Java allocation of a long
 * training run (docs/performance.md, Memory). Arrays are matched by identity; a product of new arrays (e.g. a fresh view)
 * builds its context on first use, and the least recently used of {@link #CAPACITY} contexts is closed.
 */
final class GemmContexts {
    /** Contexts kept per thread: a few per layer of the largest graphs. */
    static final int CAPACITY = 256;
    private static final ThreadLocal<Map<Key, Product>> PRODUCTS = ThreadLocal.withInitial(() -> new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Product> eldest) {
            if (size() > CAPACITY) {
                close(eldest.getValue().context);
                return true;
            }
            return false;
        }
    });

    private GemmContexts() {
    }

    /** {@code c = alpha op(a) op(b) + beta c}, as {@code Nd4j.gemm} computes it ({@code c} must be contiguous). */
    static void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha, double beta) {
        Map<Key, Product> products = PRODUCTS.get();
        Key key = new Key(a, b, c, transA, transB, alpha, beta);
        Product product = products.get(key);
        if (product == null) {
            if (c.elementWiseStride() != 1) {
                throw new IllegalArgumentException("gemm: the result array must be contiguous");
            }
            Mmul op = new Mmul(a, b, c, alpha, beta, MMulTranspose.builder().transposeA(transA).transposeB(transB).build());
            // The context NativeOpExecutioner.exec(CustomOp) builds for this op, kept instead of closed.
            OpContext context = Nd4j.getExecutioner().buildContext();
            context.markInplace(op.isInplaceCall());
            context.setInputArrays(op.inputArguments());
            context.setOutputArrays(op.outputArguments());
            context.setBArguments(op.bArgs());
            context.setIArguments(op.iArgs());
            context.setTArguments(op.tArgs());
            context.setDArguments(op.dArgs());
            product = new Product(op, context);
            products.put(key, product);
        }
        Nd4j.getExecutioner().exec(product.op, product.context);
    }

    /** Closes this thread's contexts (tests; a thread that ends leaves its contexts to the garbage collector). */
    static void clear() {
        Map<Key, Product> products = PRODUCTS.get();
        products.values().forEach(p -> close(p.context));
        products.clear();
    }

    /** Contexts this thread holds, for tests. */
    static int size() {
        return PRODUCTS.get().size();
    }

    private static void close(OpContext context) {
        try {
            context.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not close an ND4J op context", e);
        }
    }

    private record Product(Mmul op, OpContext context) {
    }

    /** The arrays by identity (INDArray.equals compares values) and the scalar arguments. */
    private static final class Key {
        private final INDArray a;
        private final INDArray b;
        private final INDArray c;
        private final boolean transA;
        private final boolean transB;
        private final double alpha;
        private final double beta;
        private final int hash;

        Key(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha, double beta) {
            this.a = a;
            this.b = b;
            this.c = c;
            this.transA = transA;
            this.transB = transB;
            this.alpha = alpha;
            this.beta = beta;
            int h = System.identityHashCode(a);
            h = 31 * h + System.identityHashCode(b);
            h = 31 * h + System.identityHashCode(c);
            h = 31 * h + (transA ? 1 : 0) + (transB ? 2 : 0);
            h = 31 * h + Double.hashCode(alpha);
            this.hash = 31 * h + Double.hashCode(beta);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.a == a && k.b == b && k.c == c && k.transA == transA && k.transB == transB
                    && Double.compare(k.alpha, alpha) == 0 && Double.compare(k.beta, beta) == 0;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
