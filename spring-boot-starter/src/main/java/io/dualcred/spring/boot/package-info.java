/**
 * Spring Boot 4.0 auto-configuration for dualcred: with {@code dualcred.datasource.credential-source} the
 * application's {@code DataSource} becomes a {@code DualCredentialDataSource} built from {@code spring.datasource.*};
 * with {@code dualcred.redis.credential-source} Spring Data Redis borrows from a {@code DualCredentialJedisPool} built
 * from {@code spring.data.redis.*}. Each pool gets a health indicator, meters and a place in the {@code dualcred}
 * actuator endpoint. {@link io.dualcred.spring.boot.DualcredProperties} lists the properties.
 */
package io.dualcred.spring.boot;
