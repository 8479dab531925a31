package io.dualcred.redis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import redis.clients.jedis.DefaultJedisClientConfig;

/**
 * What the Jedis on the class path offers, found once. dualcred is compiled against the newest Jedis it supports
 * and runs on older ones (those Spring Boot manages): the parts that older versions lack are used only when present,
 * and the {@code RedisClient} flavour, which they lack entirely, is refused with the version it needs.
 */
public final class JedisFeatures {

    /** The first Jedis with {@code redis.clients.jedis.RedisClient}. */
    public static final String REDIS_CLIENT_SINCE = "7.2.0";

    private static final boolean REDIS_CLIENT = classExists("redis.clients.jedis.RedisClient");
    // Jedis 8 negotiates the protocol when none is set, and logs a warning each time, unless told to skip HELLO;
    // earlier versions skip HELLO whenever no protocol is set.
    private static final boolean SERVER_DEFAULT_PROTOCOL = methodExists(DefaultJedisClientConfig.Builder.class,
            "serverDefaultProtocol");

    private JedisFeatures() {
    }

    /** @return whether {@code redis.clients.jedis.RedisClient} exists (Jedis 7.2.0 and later) */
    public static boolean hasRedisClient() {
        return REDIS_CLIENT;
    }

    /**
     * @param what what needs it, e.g. {@code buildClient()}
     * @param instead what works on an older Jedis, or {@code null}
     * @throws IllegalStateException naming the Jedis version needed and the one on the class path, when the Jedis
     *     on the class path is older than {@value #REDIS_CLIENT_SINCE}
     */
    public static void requireRedisClient(String what, String instead) {
        if (!REDIS_CLIENT) {
            throw new IllegalStateException(what + " needs Jedis " + REDIS_CLIENT_SINCE
                    + " or later (redis.clients.jedis.RedisClient); the class path has Jedis " + version() + ". "
                    + (instead == null ? "Manage" : instead + ", or manage")
                    + " a newer Jedis (with Spring Boot: the jedis.version property)");
        }
    }

    /**
     * Asks for AUTH without HELLO where Jedis needs to be told so; older versions do it when no protocol is set.
     *
     * @param config the configuration being built, with no protocol set
     */
    static void skipHello(DefaultJedisClientConfig.Builder config) {
        if (SERVER_DEFAULT_PROTOCOL) {
            config.serverDefaultProtocol();
        }
    }

    /** @return the version of the Jedis on the class path, e.g. {@code 7.0.0}, or {@code unknown} */
    public static String version() {
        try (InputStream in = DefaultJedisClientConfig.class.getResourceAsStream("pom.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "unknown");
            }
        } catch (IOException | IllegalArgumentException e) {
            // an unreadable version is reported as unknown; it only decorates a message
        }
        return "unknown";
    }

    private static boolean classExists(String name) {
        try {
            Class.forName(name, false, JedisFeatures.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static boolean methodExists(Class<?> type, String name) {
        try {
            type.getMethod(name);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
