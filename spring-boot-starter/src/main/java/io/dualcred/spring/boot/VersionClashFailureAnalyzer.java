package io.dualcred.spring.boot;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a missing class or method of HikariCP, Jedis or commons-pool2 met by dualcred: a version outside the
 * range dualcred supports, usually one that a dependency-management import chose. Names the versions on the class
 * path and the range.
 */
class VersionClashFailureAnalyzer extends AbstractFailureAnalyzer<LinkageError> {

    /** The supported range, as the README's "Supported versions" states and the version-range build tests. */
    static final String SUPPORTED = "HikariCP 6.3.3 to 7.1.0, Jedis 6.0.0 to 8.0.2 and commons-pool2 2.12.1 to 2.13.1";

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, LinkageError cause) {
        String missing = String.valueOf(cause.getMessage()).replace('/', '.');
        boolean ours = missing.contains("com.zaxxer.hikari") || missing.contains("redis.clients.jedis")
                || missing.contains("org.apache.commons.pool2");
        boolean fromDualcred = false;
        for (StackTraceElement frame : cause.getStackTrace()) {
            fromDualcred |= frame.getClassName().startsWith("io.dualcred.");
        }
        if (!ours || !fromDualcred) {
            return null;
        }
        return new FailureAnalysis("dualcred met a class or method its dependencies lack (" + cause + "). The class "
                + "path has HikariCP " + version("com.zaxxer", "HikariCP") + ", Jedis "
                + version("redis.clients", "jedis") + " and commons-pool2 "
                + version("org.apache.commons", "commons-pool2") + "; dualcred supports " + SUPPORTED + ".",
                "Manage versions within that range, e.g. with Spring Boot the hikaricp.version, jedis.version and "
                        + "commons-pool2.version properties, or remove the override that chose an older one.", cause);
    }

    /** @return the version in the jar's Maven metadata, or {@code unknown} */
    static String version(String groupId, String artifactId) {
        String resource = "META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
        try (InputStream in = VersionClashFailureAnalyzer.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
