package io.dualcred.postgres;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class that reaches no class of HikariCP, Jedis or commons-pool2: it tests pgjdbc's replies and
 * dualcred's own reading of them, on real servers. The version-range build ({@code -Plowest-deps}) swaps only those
 * three libraries, so such a test would prove there what the default build already proved; the profile leaves out
 * its tag. {@link PoolIndependentTest} checks the claim on the compiled classes.
 */
@Tag(PoolIndependent.TAG)
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface PoolIndependent {

    /** The JUnit tag, as {@code dualcred.test.excludedGroups} names it. */
    String TAG = "pool-independent";
}
