/**
 * The dualcred API: credentials, where they come from, how rotation behaves, and what it reports.
 *
 * <p>Applications pass a {@link io.dualcred.rotation.CredentialSource} (built by
 * {@link io.dualcred.rotation.CredentialSources}, or their own) and optionally a
 * {@link io.dualcred.rotation.RotationConfig} to a connector, and watch or drive each pool through its
 * {@link io.dualcred.rotation.RotationControl}: {@link io.dualcred.rotation.RotationStatus}, typed
 * {@link io.dualcred.rotation.RotationEvent}s and the {@link io.dualcred.rotation.RotationMXBean}. New URI schemes
 * for {@link io.dualcred.rotation.CredentialSources#fromUri(String)} plug in as a
 * {@link io.dualcred.rotation.CredentialSourceProvider}.
 *
 * <p>Connector authors use {@code io.dualcred.rotation.spi}; {@code io.dualcred.rotation.internal} is an
 * implementation detail.
 */
package io.dualcred.rotation;
