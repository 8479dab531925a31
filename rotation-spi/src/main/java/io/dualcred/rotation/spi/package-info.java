/**
 * The connector SPI: what a dualcred connector plugs into and what it uses, never needed by applications.
 *
 * <p>A connector builds one {@link io.dualcred.rotation.spi.RotationEngine} per pool with
 * {@link io.dualcred.rotation.spi.RotationEngine#builder(String)}, giving it the application's
 * {@link io.dualcred.rotation.CredentialSource} and {@link io.dualcred.rotation.RotationConfig} plus its own
 * {@link io.dualcred.rotation.spi.AuthFailureClassifier} (which failures are rejected credentials) and
 * {@link io.dualcred.rotation.spi.ConnectionEvictor} (how old connections are retired; usually a
 * {@link io.dualcred.rotation.spi.ConnectionReplacer}, which replaces them make before break). Every new physical
 * connection is then opened through
 * {@link io.dualcred.rotation.spi.RotationEngine#openWithFallback(io.dualcred.rotation.spi.ConnectionOpener)}, which
 * answers a {@link io.dualcred.rotation.spi.Login} tagged with its credential generation. Applications get only the
 * engine's {@link io.dualcred.rotation.spi.RotationEngine#control() control()} handle, a
 * {@link io.dualcred.rotation.RotationControl}, which cannot close the engine.
 *
 * <p>The engine's parts (the fallback, its state, the source reader, event delivery, the JMX adapter) are
 * package-private here.
 */
package io.dualcred.rotation.spi;
