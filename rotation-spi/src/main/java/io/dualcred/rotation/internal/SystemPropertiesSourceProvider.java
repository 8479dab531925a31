package io.dualcred.rotation.internal;

/** The {@code sysprop:prefix} scheme. */
public final class SystemPropertiesSourceProvider extends BuiltInSourceProvider {

    /** Called by {@link java.util.ServiceLoader}. */
    public SystemPropertiesSourceProvider() {
        super("sysprop", location -> PrefixedKeyCredentialSource.systemProperties(
                PrefixedKeyCredentialSource.prefixOf(location)));
    }
}
