/**
 * HikariCP + pgjdbc pools that survive PostgreSQL password rotation.
 *
 * <p>The connector is being built; see the project's README for its status.
 */
package io.dualcred.postgres;
