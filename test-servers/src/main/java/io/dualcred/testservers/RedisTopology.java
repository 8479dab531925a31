package io.dualcred.testservers;

import java.util.List;

/**
 * What {@link RedisSentinelTopology} and {@link RedisClusterTopology} share: ACL users changed on every data node,
 * as a rotation must (ACLs are per process; neither replication nor the cluster bus carries them), and the rejected
 * logins counted over all of them. Only these two extend it.
 */
public abstract class RedisTopology implements AutoCloseable {

    RedisTopology() {
    }

    /** @return the nodes that hold data (primaries and replicas), on which application users live */
    abstract List<RedisServer> dataNodeList();

    /**
     * Creates or replaces an ACL user on every data node; see {@link RedisServer#setUser}.
     *
     * @param user the user name
     * @param passwords its passwords
     */
    public void setUser(String user, String... passwords) {
        dataNodeList().forEach(node -> node.setUser(user, passwords));
    }

    /**
     * Adds a password to a user on every data node.
     *
     * @param user the user
     * @param password the password to add
     */
    public void addPassword(String user, String password) {
        dataNodeList().forEach(node -> node.addPassword(user, password));
    }

    /**
     * Removes a password of a user on every data node.
     *
     * @param user the user
     * @param password the password to remove
     */
    public void removePassword(String user, String password) {
        dataNodeList().forEach(node -> node.removePassword(user, password));
    }

    /**
     * @param user an ACL user
     * @return the rejected logins of {@code user} on every data node together, from each node's {@code ACL LOG}
     */
    public long authenticationFailures(String user) {
        return dataNodeList().stream().mapToLong(node -> node.authenticationFailures(user)).sum();
    }

    /** Stops every member and deletes its files. */
    @Override
    public abstract void close();
}
