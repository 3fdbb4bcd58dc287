package org.gpt4roi.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Admission is bounded and answered at once; work runs one at a time in order. */
class ModelQueueTest {
    @Test void aFullQueueRefusesWithA503() {
        try (ModelQueue queue = new ModelQueue(2)) {
            ModelQueue.Ticket a = queue.admit();
            ModelQueue.Ticket b = queue.admit();
            ApiException e = assertThrows(ApiException.class, queue::admit);
            assertEquals(503, e.status);
            assertEquals(1, e.retryAfterSeconds);
            assertTrue(e.getMessage().contains("busy"), e.getMessage());
            a.close();
            a.close();                                      // closing twice gives back one place only
            queue.admit().close();
            assertEquals(1, queue.pending());
            b.close();
            assertEquals(0, queue.pending());
        }
    }

    @Test void workRunsOneAtATimeInOrder() throws Exception {
        try (ModelQueue queue = new ModelQueue(4)) {
            AtomicInteger concurrent = new AtomicInteger(), maxConcurrent = new AtomicInteger();
            StringBuffer order = new StringBuffer();
            CountDownLatch gate = new CountDownLatch(1);
            Future<?>[] work = new Future<?>[4];
            for (int i = 0; i < 4; i++) {
                int n = i;
                work[i] = queue.submit(() -> {
                    maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                    if (n == 0) gate.await();
                    order.append(n);
                    concurrent.decrementAndGet();
                    return null;
                });
            }
            gate.countDown();
            for (Future<?> f : work) f.get();
            assertEquals(1, maxConcurrent.get());
            assertEquals("0123", order.toString());
        }
    }
}
