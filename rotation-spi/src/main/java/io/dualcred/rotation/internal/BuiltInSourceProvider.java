package io.dualcred.rotation.internal;

import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSourceProvider;
import java.net.URI;
import java.util.function.Function;

/** A provider for one of the schemes this library ships, registered in META-INF/services. */
abstract class BuiltInSourceProvider implements CredentialSourceProvider {

    private final String scheme;
    private final Function<URI, CredentialSource> factory;

    BuiltInSourceProvider(String scheme, Function<URI, CredentialSource> factory) {
        this.scheme = scheme;
        this.factory = factory;
    }

    @Override
    public final String scheme() {
        return scheme;
    }

    @Override
    public final CredentialSource create(URI location) {
        return factory.apply(location);
    }
}
