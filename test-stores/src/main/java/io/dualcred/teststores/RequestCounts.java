package io.dualcred.teststores;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The requests a fake store received, by kind (operation, method). Thread-safe. */
final class RequestCounts {

    private final Map<String, AtomicLong> byKind = new ConcurrentHashMap<>();

    void received(String kind) {
        byKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    long of(String kind) {
        AtomicLong count = byKind.get(kind);
        return count == null ? 0 : count.get();
    }

    long total() {
        return byKind.values().stream().mapToLong(AtomicLong::get).sum();
    }
}
