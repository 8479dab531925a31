package io.dualcred.spring.boot;

import io.dualcred.micrometer.RotationMetrics;
import io.dualcred.redis.DualCredentialJedisPool;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.RotationStatus;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Health, the {@code dualcred} endpoint and meters for every dualcred pool of the application: the auto-configured
 * ones and any other {@link RotationControl} or {@link DualCredentialJedisPool} bean.
 */
@AutoConfiguration(after = {DualcredDataSourceAutoConfiguration.class, DualcredRedisAutoConfiguration.class})
@ConditionalOnClass(RotationControl.class)
public class DualcredActuatorAutoConfiguration {

    /**
     * @param controls pools that are their own rotation controls, such as a {@code DualCredentialDataSource}
     * @param jedisPools dual-credential Jedis pools
     * @return the pools by name
     */
    @Bean
    @ConditionalOnMissingBean
    public DualcredPools dualcredPools(ObjectProvider<RotationControl> controls,
                                       ObjectProvider<DualCredentialJedisPool> jedisPools) {
        Map<String, RotationControl> byName = new LinkedHashMap<>();
        controls.orderedStream().forEach(control -> byName.put(control.poolName(), control));
        jedisPools.orderedStream().map(DualCredentialJedisPool::rotation)
                .forEach(control -> byName.put(control.poolName(), control));
        return new DualcredPools(byName);
    }

    /** The health of each pool, under {@code dualcred} in {@code /actuator/health}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class HealthConfiguration {

        /**
         * UP on either slot; DOWN from a login round in which the server rejected every credential until a login is
         * accepted again, with the slots and usernames that round tried ({@code rejectedCredentials}), the active
         * slot and username and the counters; never a password.
         */
        @Bean
        CompositeHealthContributor dualcredHealthContributor(DualcredPools pools) {
            return CompositeHealthContributor.fromMap(pools.byName(), control -> (HealthIndicator) () -> {
                RotationStatus status = control.status();
                Health.Builder health = status.rejectedCredentials().isEmpty() ? Health.up() : Health.down();
                return health.withDetails(DualcredPools.describe(status)).build();
            });
        }
    }

    /** {@code /actuator/dualcred}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
    static class EndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint(DualcredEndpoint.class)
        DualcredEndpoint dualcredEndpoint(DualcredPools pools) {
            return new DualcredEndpoint(pools);
        }
    }

    /** The meters of {@link RotationMetrics} for every pool; Boot binds {@code MeterBinder} beans itself. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class MetricsConfiguration {

        @Bean
        MeterBinder dualcredMeters(DualcredPools pools) {
            return registry -> pools.byName().values()
                    .forEach(control -> new RotationMetrics(control).bindTo(registry));
        }
    }
}
