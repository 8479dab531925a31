package io.dualcred.redis.internal;

import org.apache.commons.pool2.impl.DefaultPooledObject;

/**
 * A pooled connection with the credential generation it logged in under.
 *
 * <p>It also remembers whether it has been returned to the pool at least once. A connection that has never been
 * returned is one whose login just succeeded: if a switch happened in the instant between that login and its
 * first lease, it may still serve that one lease (its session is authenticated) and is retired when it comes back.
 * Refusing it instead would make the borrower fail, since commons-pool2 does not retry a freshly made object.
 *
 * @param <T> the pooled type: a Jedis {@code Connection} or a {@code Jedis}
 */
final class TaggedPooledObject<T> extends DefaultPooledObject<T> {

    private final long generation;
    private volatile boolean returnedOnce;

    TaggedPooledObject(T object, long generation) {
        super(object);
        this.generation = generation;
    }

    long generation() {
        return generation;
    }

    boolean returnedOnce() {
        return returnedOnce;
    }

    void markReturned() {
        returnedOnce = true;
    }
}
