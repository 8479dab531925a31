/**
 * HikariCP pools for PostgreSQL that survive password rotation.
 *
 * <p>{@link io.dualcred.postgres.DualCredentialDataSource} replaces {@code new HikariDataSource(config)}: the same
 * settings plus a {@link io.dualcred.rotation.CredentialSource}. Every new physical connection logs in through the
 * shared {@link io.dualcred.rotation.spi.RotationEngine}, which falls back from CURRENT to NEXT when PostgreSQL rejects
 * a password (SQLState 28P01 or 28000) and retires the connections made with the old one. See the module's README for
 * the settings, the failure behaviour and the operator's view (status and JMX).
 *
 * <p>Everything in {@code io.dualcred.postgres.internal} is an implementation detail.
 */
package io.dualcred.postgres;
