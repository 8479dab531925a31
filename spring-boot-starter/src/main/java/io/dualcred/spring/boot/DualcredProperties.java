package io.dualcred.spring.boot;

import io.dualcred.rotation.RotationConfig;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code dualcred.*} properties. A credential source is given by URI, as {@code CredentialSources.fromUri} reads
 * it: {@code file:/etc/secrets/db}, {@code env:DB}, {@code sysprop:db} or a scheme a provider on the class path adds.
 */
@ConfigurationProperties("dualcred")
public class DualcredProperties {

    private final Pool datasource = new Pool();
    private final Pool redis = new Pool();
    private final Rotation rotation = new Rotation();

    /** @return {@code dualcred.datasource.*} */
    public Pool getDatasource() {
        return datasource;
    }

    /** @return {@code dualcred.redis.*} */
    public Pool getRedis() {
        return redis;
    }

    /** @return {@code dualcred.rotation.*}, shared by both pools */
    public Rotation getRotation() {
        return rotation;
    }

    /** One pool's settings. */
    public static class Pool {

        /** Where the pool's credentials come from, e.g. {@code file:/etc/secrets/db}; unset leaves Boot's pool. */
        private String credentialSource;

        /** @return the credential source URI, or {@code null} */
        public String getCredentialSource() {
            return credentialSource;
        }

        /** @param credentialSource the credential source URI */
        public void setCredentialSource(String credentialSource) {
            this.credentialSource = credentialSource;
        }
    }

    /** The rotation engine's settings ({@link RotationConfig}); unset ones keep the engine's defaults. */
    public static class Rotation {

        /** First wait between login rounds while every credential is rejected. */
        private Duration backoffInitial;
        /** Growth factor of that wait. */
        private Double backoffMultiplier;
        /** Longest wait between login rounds. */
        private Duration backoffMax;
        /** How long a caller's login may keep retrying before it fails. */
        private Duration loginRetryBudget;
        /** How often the source is re-read without a rejection; unset: only on rejection, watch or refresh. */
        private Duration refreshInterval;
        /** How long a read of the source may take before the last good credentials are kept. */
        private Duration sourceTimeout;
        /** Over how long a pool spreads the replacement of its connections after a switch; 0 replaces at once. */
        private Duration replacementWindow;
        /** Whether sessions carry the credential's version tag ({@code application_name}, client name). */
        private Boolean tagSessions;

        /**
         * @return the engine configuration these properties describe
         * @throws InvalidDualcredPropertyException naming the property whose value the engine refuses
         */
        RotationConfig toConfig() {
            RotationConfig.Builder config = RotationConfig.custom();
            if (backoffInitial != null || backoffMultiplier != null || backoffMax != null) {
                if (backoffInitial == null || backoffMultiplier == null || backoffMax == null) {
                    throw new InvalidDualcredPropertyException("dualcred.rotation.backoff-initial",
                            "backoff-initial, backoff-multiplier and backoff-max are set together",
                            "Set all three dualcred.rotation.backoff-* properties, or none.");
                }
                set("backoff-initial, backoff-multiplier, backoff-max",
                        () -> config.backoff(backoffInitial, backoffMultiplier, backoffMax));
            }
            if (loginRetryBudget != null) {
                set("login-retry-budget", () -> config.loginRetryBudget(loginRetryBudget));
            }
            if (sourceTimeout != null) {
                set("source-timeout", () -> config.sourceTimeout(sourceTimeout));
            }
            if (refreshInterval != null) {
                set("refresh-interval", () -> config.refreshInterval(refreshInterval));
            }
            if (replacementWindow != null) {
                set("replacement-window", () -> config.replacementWindow(replacementWindow));
            }
            if (tagSessions != null) {
                config.tagSessions(tagSessions);
            }
            return config.build();
        }

        /** Applies one setting; the engine's refusal becomes a failure naming the property. */
        private static void set(String property, Runnable setting) {
            try {
                setting.run();
            } catch (IllegalArgumentException e) {
                throw new InvalidDualcredPropertyException("dualcred.rotation." + property, e.getMessage(),
                        "Correct dualcred.rotation." + property + ".");
            }
        }

        /** @return {@code dualcred.rotation.backoff-initial} */
        public Duration getBackoffInitial() {
            return backoffInitial;
        }

        /** @param backoffInitial {@code dualcred.rotation.backoff-initial} */
        public void setBackoffInitial(Duration backoffInitial) {
            this.backoffInitial = backoffInitial;
        }

        /** @return {@code dualcred.rotation.backoff-multiplier} */
        public Double getBackoffMultiplier() {
            return backoffMultiplier;
        }

        /** @param backoffMultiplier {@code dualcred.rotation.backoff-multiplier} */
        public void setBackoffMultiplier(Double backoffMultiplier) {
            this.backoffMultiplier = backoffMultiplier;
        }

        /** @return {@code dualcred.rotation.backoff-max} */
        public Duration getBackoffMax() {
            return backoffMax;
        }

        /** @param backoffMax {@code dualcred.rotation.backoff-max} */
        public void setBackoffMax(Duration backoffMax) {
            this.backoffMax = backoffMax;
        }

        /** @return {@code dualcred.rotation.login-retry-budget} */
        public Duration getLoginRetryBudget() {
            return loginRetryBudget;
        }

        /** @param loginRetryBudget {@code dualcred.rotation.login-retry-budget} */
        public void setLoginRetryBudget(Duration loginRetryBudget) {
            this.loginRetryBudget = loginRetryBudget;
        }

        /** @return {@code dualcred.rotation.refresh-interval} */
        public Duration getRefreshInterval() {
            return refreshInterval;
        }

        /** @param refreshInterval {@code dualcred.rotation.refresh-interval} */
        public void setRefreshInterval(Duration refreshInterval) {
            this.refreshInterval = refreshInterval;
        }

        /** @return {@code dualcred.rotation.replacement-window} */
        public Duration getReplacementWindow() {
            return replacementWindow;
        }

        /** @param replacementWindow {@code dualcred.rotation.replacement-window} */
        public void setReplacementWindow(Duration replacementWindow) {
            this.replacementWindow = replacementWindow;
        }

        /** @return {@code dualcred.rotation.tag-sessions} */
        public Boolean getTagSessions() {
            return tagSessions;
        }

        /** @param tagSessions {@code dualcred.rotation.tag-sessions} */
        public void setTagSessions(Boolean tagSessions) {
            this.tagSessions = tagSessions;
        }

        /** @return {@code dualcred.rotation.source-timeout} */
        public Duration getSourceTimeout() {
            return sourceTimeout;
        }

        /** @param sourceTimeout {@code dualcred.rotation.source-timeout} */
        public void setSourceTimeout(Duration sourceTimeout) {
            this.sourceTimeout = sourceTimeout;
        }
    }
}
