package io.dualcred.teststores;

import com.google.cloud.secretmanager.v1.AccessSecretVersionRequest;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.GetSecretRequest;
import com.google.cloud.secretmanager.v1.Secret;
import com.google.cloud.secretmanager.v1.SecretManagerServiceGrpc;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.protobuf.ByteString;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Google Secret Manager's gRPC service on 127.0.0.1 (plaintext), implemented from the published stubs
 * ({@code SecretManagerServiceGrpc.SecretManagerServiceImplBase}) for what the {@code gcp-sm:} source and the
 * runbook use: {@code GetSecret} (with {@code version_aliases}) and {@code AccessSecretVersion} (by number,
 * {@code latest} or alias), with Secret Manager's statuses: {@code NOT_FOUND} for a missing secret or version,
 * {@code FAILED_PRECONDITION} for a disabled one. Secrets are changed as {@code gcloud} changes them
 * ({@link #addVersion}, {@link #updateAliases}, {@link #disableVersion}). Faults are gRPC statuses or slow answers;
 * requests are counted by method.
 */
public final class FakeSecretManager extends SecretManagerServiceGrpc.SecretManagerServiceImplBase
        implements AutoCloseable {

    /** Versions by secret name; a version's number is its index plus one. */
    private final Map<String, List<Version>> secrets = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> aliases = new ConcurrentHashMap<>();
    private final RequestCounts requests = new RequestCounts();
    private final AtomicReference<Status> everyRequest = new AtomicReference<>();
    private final AtomicReference<Duration> slow = new AtomicReference<>(Duration.ZERO);
    private final AtomicReference<CountDownLatch> healed = new AtomicReference<>(new CountDownLatch(1));
    private final Server server;

    private FakeSecretManager() {
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .addService(ServerInterceptors.intercept(this, new Faults()))
                    .build()
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fake Secret Manager on 127.0.0.1", e);
        }
    }

    /** @return a running server holding no secret */
    public static FakeSecretManager start() {
        return new FakeSecretManager();
    }

    /** @return {@code 127.0.0.1:<port>}, the endpoint to give the client (plaintext) */
    public String endpoint() {
        return "127.0.0.1:" + server.getPort();
    }

    /** @param name {@code gcloud secrets create}: a secret with no version, e.g. {@code projects/p/secrets/db} */
    public void createSecret(String name) {
        secrets.put(name, new ArrayList<>());
        aliases.put(name, new LinkedHashMap<>());
    }

    /**
     * {@code gcloud secrets versions add <secret> --data-file=...}.
     *
     * @param name the secret
     * @param data the payload
     * @return the new version's number
     */
    public long addVersion(String name, String data) {
        List<Version> versions = secret(name);
        synchronized (versions) {
            versions.add(new Version(data));
            return versions.size();
        }
    }

    /**
     * {@code gcloud secrets update <secret> --update-version-aliases=current=6,next=7} and
     * {@code --remove-version-aliases=next}: a {@code null} version removes the alias. Applied at once.
     *
     * @param name the secret
     * @param changes alias to version, or to {@code null} to remove it
     */
    public void updateAliases(String name, Map<String, Long> changes) {
        Map<String, Long> map = aliases.get(name);
        synchronized (secret(name)) {
            changes.forEach((alias, version) -> {
                if (version == null) {
                    map.remove(alias);
                } else {
                    map.put(alias, version);
                }
            });
        }
    }

    /**
     * {@code gcloud secrets describe <secret> --format='value(versionAliases.<alias>)'}.
     *
     * @param name the secret
     * @param alias an alias
     * @return the version it names, or {@code null}
     */
    public Long aliasedVersion(String name, String alias) {
        synchronized (secret(name)) {
            return aliases.get(name).get(alias);
        }
    }

    /**
     * {@code gcloud secrets versions disable <n> --secret=<secret>}.
     *
     * @param name the secret
     * @param version the version's number
     */
    public void disableVersion(String name, long version) {
        List<Version> versions = secret(name);
        synchronized (versions) {
            versions.get((int) version - 1).enabled = false;
        }
    }

    /** @param status what every request meets until {@link #heal()}, e.g. {@code PERMISSION_DENIED} */
    public void failEveryRequest(Status status) {
        everyRequest.set(status);
    }

    /** @param delay how long every request is held before it is answered, until {@link #heal()} */
    public void slowEveryRequest(Duration delay) {
        slow.set(delay);
    }

    /** Ends every fault and releases the slow answers being held. */
    public void heal() {
        everyRequest.set(null);
        slow.set(Duration.ZERO);
        healed.getAndSet(new CountDownLatch(1)).countDown();
    }

    /**
     * @param method e.g. {@code GetSecret}, {@code AccessSecretVersion}
     * @return requests of that method received so far, faulty or not
     */
    public long requests(String method) {
        return requests.of(method);
    }

    /** @return every request received so far */
    public long requests() {
        return requests.total();
    }

    @Override
    public void close() {
        heal();
        server.shutdownNow();
    }

    @Override
    public void getSecret(GetSecretRequest request, StreamObserver<Secret> response) {
        List<Version> versions = secrets.get(request.getName());
        if (versions == null) {
            response.onError(Status.NOT_FOUND.withDescription("Secret [" + request.getName() + "] not found.")
                    .asRuntimeException());
            return;
        }
        synchronized (versions) {
            response.onNext(Secret.newBuilder().setName(request.getName())
                    .putAllVersionAliases(aliases.get(request.getName())).build());
        }
        response.onCompleted();
    }

    @Override
    public void accessSecretVersion(AccessSecretVersionRequest request,
            StreamObserver<AccessSecretVersionResponse> response) {
        String name = request.getName();
        int at = name.indexOf("/versions/");
        String secret = at < 0 ? name : name.substring(0, at);
        String which = at < 0 ? "" : name.substring(at + "/versions/".length());
        List<Version> versions = secrets.get(secret);
        if (versions == null) {
            response.onError(Status.NOT_FOUND.withDescription("Secret [" + secret + "] not found or has no versions.")
                    .asRuntimeException());
            return;
        }
        Version version;
        long number;
        synchronized (versions) {
            number = "latest".equals(which) ? versions.size()
                    : which.chars().allMatch(Character::isDigit) && !which.isEmpty() ? Long.parseLong(which)
                    : aliases.get(secret).getOrDefault(which, 0L);
            version = number < 1 || number > versions.size() ? null : versions.get((int) number - 1);
        }
        if (version == null) {
            response.onError(Status.NOT_FOUND.withDescription("Secret Version [" + name + "] not found.")
                    .asRuntimeException());
            return;
        }
        if (!version.enabled) {
            response.onError(Status.FAILED_PRECONDITION.withDescription("Secret Version [" + secret + "/versions/"
                    + number + "] is in DISABLED state.").asRuntimeException());
            return;
        }
        response.onNext(AccessSecretVersionResponse.newBuilder()
                .setName(secret + "/versions/" + number)
                .setPayload(SecretPayload.newBuilder().setData(ByteString.copyFrom(version.data,
                        StandardCharsets.UTF_8)))
                .build());
        response.onCompleted();
    }

    private List<Version> secret(String name) {
        List<Version> versions = secrets.get(name);
        if (versions == null) {
            throw new IllegalArgumentException("no secret " + name);
        }
        return versions;
    }

    /** One version of a secret. */
    private static final class Version {
        final String data;
        volatile boolean enabled = true;

        Version(String data) {
            this.data = data;
        }
    }

    /** Counts each call, then holds it while the server is slow and fails it while a fault is set. */
    private final class Faults implements ServerInterceptor {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                ServerCallHandler<Q, A> next) {
            requests.received(call.getMethodDescriptor().getBareMethodName());
            Duration delay = slow.get();
            if (!delay.isZero()) {
                try {
                    healed.get().await(delay.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Status fault = everyRequest.get();
            if (fault != null) {
                call.close(fault, new Metadata());
                return new ServerCall.Listener<>() { };
            }
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call,
                    headers)) { };
        }
    }
}
