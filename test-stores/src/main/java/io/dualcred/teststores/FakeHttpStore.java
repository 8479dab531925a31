package io.dualcred.teststores;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/**
 * What every fake store speaking HTTP shares: a server on a free port of 127.0.0.1 (plain or TLS), requests counted
 * by kind, and {@link Fault}s met before the store answers: a scripted error, a slow answer, a connection closed.
 */
public abstract class FakeHttpStore implements AutoCloseable {

    /** The JSON mapper of the fakes. */
    protected static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final String scheme;
    private final ExecutorService handlers;
    private final ConcurrentLinkedQueue<Fault> nextFaults = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Fault> everyRequest = new AtomicReference<>();
    private final AtomicReference<CountDownLatch> healed = new AtomicReference<>(new CountDownLatch(1));
    private final RequestCounts requests = new RequestCounts();

    /**
     * Starts the server.
     *
     * @param name names the handler threads
     * @param context the path prefix the store answers under, e.g. {@code /v1/}
     * @param tls the server's TLS settings, or {@code null} for plain http
     */
    protected FakeHttpStore(String name, String context, SSLContext tls) {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try {
            if (tls == null) {
                server = HttpServer.create(loopback, 64);
                scheme = "http";
            } else {
                HttpsServer https = HttpsServer.create(loopback, 64);
                https.setHttpsConfigurator(new HttpsConfigurator(tls));
                server = https;
                scheme = "https";
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fake " + name + " on 127.0.0.1", e);
        }
        handlers = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "fake-" + name);
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(handlers);
        server.createContext(context, this::handle);
        server.start();
    }

    /** @return {@code http(s)://127.0.0.1:<port>} */
    public URI address() {
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
    }

    /** @param fault what the next request meets (queued faults are met in order, one request each) */
    public void failNext(Fault fault) {
        nextFaults.add(fault);
    }

    /** @param fault what every request meets until {@link #heal()} */
    public void failEveryRequest(Fault fault) {
        everyRequest.set(fault);
    }

    /** Ends every fault and releases the slow answers being held. */
    public void heal() {
        everyRequest.set(null);
        nextFaults.clear();
        healed.getAndSet(new CountDownLatch(1)).countDown();
    }

    /**
     * @param kind a kind of request, as the store names them (e.g. {@code read}, {@code DescribeSecret})
     * @return requests of that kind received so far, faulty or not
     */
    public long requests(String kind) {
        return requests.of(kind);
    }

    /** @return every request received so far */
    public long requests() {
        return requests.total();
    }

    @Override
    public void close() {
        heal();
        server.stop(0);
        handlers.shutdownNow();
    }

    /**
     * @param exchange a request
     * @return its kind, for {@link #requests(String)}
     */
    protected abstract String kind(HttpExchange exchange);

    /**
     * Answers a request no fault stopped.
     *
     * @param exchange the request
     * @param body its body, read already
     * @throws IOException when the answer cannot be sent
     */
    protected abstract void answer(HttpExchange exchange, String body) throws IOException;

    /** @return the content type of the store's answers, e.g. {@code application/json} */
    protected abstract String contentType();

    /**
     * @param exchange the request
     * @param status the HTTP status
     * @param body the body, in the store's content type
     * @throws IOException when it cannot be sent
     */
    protected void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType());
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /**
     * @param body a request body
     * @return it parsed; an empty object for an empty body
     * @throws IOException when it is not JSON
     */
    protected static JsonNode json(String body) throws IOException {
        return body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            requests.received(kind(exchange));
            Fault fault = nextFaults.poll();
            if (fault == null) {
                fault = everyRequest.get();
            }
            if (fault != null) {
                if (!fault.delay().isZero()) {
                    healed.get().await(fault.delay().toMillis(), TimeUnit.MILLISECONDS);
                }
                if (fault.closesConnection()) {
                    return; // closed with no answer: the client sees the connection end
                }
                if (fault.status() != 0) {
                    send(exchange, fault.status(), fault.body());
                    return;
                }
            }
            answer(exchange, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
