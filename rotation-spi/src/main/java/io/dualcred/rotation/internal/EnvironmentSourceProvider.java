package io.dualcred.rotation.internal;

/** The {@code env:PREFIX} scheme. */
public final class EnvironmentSourceProvider extends BuiltInSourceProvider {

    /** Called by {@link java.util.ServiceLoader}. */
    public EnvironmentSourceProvider() {
        super("env", location -> PrefixedKeyCredentialSource.environment(
                PrefixedKeyCredentialSource.prefixOf(location)));
    }
}
