/**
 * dualcred's core, shared by the connectors: credentials and where they come from, how rotation behaves and what it
 * reports ({@code io.dualcred.rotation}), and the rotation engine with the interfaces a connector implements
 * ({@code io.dualcred.rotation.spi}). The built-in credential sources live in {@code io.dualcred.rotation.internal},
 * which is not exported; they are reached through {@code CredentialSources}.
 *
 * @uses io.dualcred.rotation.CredentialSourceProvider
 * @provides io.dualcred.rotation.CredentialSourceProvider the {@code env}, {@code sysprop} and {@code file} schemes
 */
// Resolved by their Automatic-Module-Name, which their authors keep stable.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.dualcred.rotation {
    // RotationConfig.Builder#backoff takes a resilience4j IntervalFunction.
    requires transitive io.github.resilience4j.core;
    // RotationEngine#registerMBean answers an ObjectName.
    requires transitive java.management;
    requires org.slf4j;

    exports io.dualcred.rotation;
    exports io.dualcred.rotation.spi;

    uses io.dualcred.rotation.CredentialSourceProvider;

    provides io.dualcred.rotation.CredentialSourceProvider with
            io.dualcred.rotation.internal.EnvironmentSourceProvider,
            io.dualcred.rotation.internal.SystemPropertiesSourceProvider,
            io.dualcred.rotation.internal.DirectorySourceProvider;
}
