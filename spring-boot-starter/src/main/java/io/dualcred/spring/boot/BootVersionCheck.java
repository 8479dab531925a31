package io.dualcred.spring.boot;

import org.springframework.boot.SpringBootVersion;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Stops an application on a Spring Boot older than 4.0 before any auto-configuration is read, with a message naming
 * both versions: the starter's auto-configurations use Boot 4's packages, which would otherwise fail later with a
 * missing class that says nothing about versions. Registered in {@code META-INF/spring.factories}, a mechanism Boot 3
 * and 4 share. The connectors themselves run on Boot 3.5's managed versions.
 */
class BootVersionCheck implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    /** The oldest Spring Boot major version the starter is built for. */
    static final int REQUIRED_MAJOR = 4;

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        check(SpringBootVersion.getVersion());
    }

    /**
     * @param bootVersion the running Spring Boot's version, e.g. {@code 3.5.7}; {@code null} when unknown (a
     *     repackaged Boot), which passes
     * @throws IllegalStateException naming both versions when it is older than 4.0
     */
    static void check(String bootVersion) {
        if (bootVersion == null) {
            return;
        }
        int major;
        try {
            major = Integer.parseInt(bootVersion.split("\\.", 2)[0]);
        } catch (NumberFormatException e) {
            return;
        }
        if (major < REQUIRED_MAJOR) {
            throw new IllegalStateException("dualcred-spring-boot-starter needs Spring Boot " + REQUIRED_MAJOR
                    + ".0 or later; this application runs Spring Boot " + bootVersion + ". On Spring Boot 3.5 use "
                    + "dualcred-connectors-postgres and dualcred-connectors-redis directly (they run on the HikariCP "
                    + "and Jedis versions it manages), or upgrade Spring Boot.");
        }
    }
}
