package io.dualcred.drill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dualcred.testservers.RedisClusterTopology;
import io.dualcred.testservers.RedisSentinelTopology;
import io.dualcred.testservers.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.HostAndPort;

/**
 * {@code --topology sentinel} and {@code --topology cluster}, drilled through {@code --redis-url} on topologies this
 * test starts, as an operator rehearses on a staging Sentinel or cluster: the password changes node by node, both
 * dualcred flavours of the topology fail nothing, the fleet check and the revocation look at every data node, and no
 * drill user is left on any node.
 */
class DrillTopologiesTest {

    @TempDir
    Path directory;

    @Test
    void sentinelTopologyThroughTheSentinelsAddresses() throws Exception {
        try (RedisSentinelTopology topology = RedisSentinelTopology.startNew()) {
            String url = "redis://" + encode(RedisServer.ADMIN_USER) + ":" + encode(topology.adminPassword()) + "@"
                    + addresses(topology.sentinelAddresses()) + "/" + RedisSentinelTopology.MASTER_NAME;

            JsonNode redis = drill(topology.adminPassword(), topology.dataNodes(), "sentinel", url, "runbook");

            assertThat(redis.get("server").asText()).contains("Sentinel: primary and 1 replica(s)", "given server");
            assertDualcredFlavours(redis, List.of("runbook"), 8, topology.dataNodes().size());
        }
    }

    @Test
    void clusterTopologyFromOneStartNode() throws Exception {
        try (RedisClusterTopology topology = RedisClusterTopology.startNew()) {
            String url = "redis://" + encode(RedisServer.ADMIN_USER) + ":" + encode(topology.adminPassword()) + "@"
                    + addresses(topology.addresses().subList(0, 1));

            JsonNode redis = drill(topology.adminPassword(), topology.nodes(), "cluster", url, "both");

            assertThat(redis.get("server").asText()).contains("cluster of 6 nodes", "given server");
            // Keys spread over the slots: every primary serves each contender, so more sessions than one node pool
            // holds moved to the new version.
            assertDualcredFlavours(redis, List.of("runbook", "gap"), 3 * 8, topology.nodes().size());
        }
    }

    /** Runs the drill on the named topology and returns the JSON of its Redis run, after the checks common to both. */
    private JsonNode drill(String adminPassword, List<RedisServer> dataNodes, String shape, String url,
                           String scenario) throws Exception {
        Map<Integer, Integer> usersBefore = aclUsers(dataNodes);
        Path json = directory.resolve(shape + ".json");
        ByteArrayOutputStream console = new ByteArrayOutputStream();

        int status = DrillCommand.run(new PrintStream(console, true, StandardCharsets.UTF_8), "--backend", "redis",
                "--topology", shape, "--redis-url", url, "--duration", "1s", "--store-delay", "1s",
                "--scenario", scenario, "--report", directory.resolve(shape + ".html").toString(),
                "--json", json.toString());

        String output = console.toString(StandardCharsets.UTF_8);
        System.out.println(output);
        int tables = output.indexOf("\nRedis ");
        assertThat(status).as(tables < 0 ? output : output.substring(tables) + "\n--- the whole run ---\n" + output)
                .isZero();
        assertThat(output).contains("(Redis " + shape + ")", "redis: PASS",
                "on each of the " + dataNodes.size() + " data nodes in turn", "CLIENT LIST TYPE normal on every data node")
                .doesNotContain("starting embedded");
        Pattern password = Pattern.compile("\\b[A-HJ-NP-Za-km-z2-9]{32}\\b");
        assertThat(password.matcher(output).find()).as("a drill password in the console output").isFalse();
        assertThat(output).doesNotContain(adminPassword);
        assertThat(Files.readString(json)).doesNotContain(adminPassword);
        assertThat(aclUsers(dataNodes)).as("ACL users per data node after the drill").isEqualTo(usersBefore);
        JsonNode redis = new ObjectMapper().readTree(json.toFile()).get("redis");
        assertThat(redis.get("topology").asText()).isEqualTo(shape);
        return redis;
    }

    private static void assertDualcredFlavours(JsonNode redis, List<String> scenarios, int sessionsOnNewVersion,
                                               int dataNodes) {
        for (String scenario : scenarios) {
            JsonNode contenders = redis.at("/scenarios/" + scenario);
            for (String name : new String[] {"dualcred", "dualcred-pool"}) {
                JsonNode contender = contenders.get(name);
                String cell = scenario + " " + name;
                assertThat(contender.get("ops").asLong()).as(cell + " ops").isPositive();
                assertThat(contender.get("rotation_errors").asLong()).as(cell + " errors: "
                        + contender.get("errors_by_kind")).isZero();
                // None when the store leads; in the gap at most one per node pool (the issue's bound), usually one
                // in all, since one engine serves every node pool.
                assertThat(contender.get("rejected_logins").asLong()).as(cell + " rejected logins (ACL LOG of "
                        + "every node)").isLessThanOrEqualTo(scenario.equals("gap") ? dataNodes : 0);
                assertThat(contender.get("old_sessions_at_revoke").asInt()).as(cell + " old at revoke").isZero();
                assertThat(contender.get("old_by_tag_at_verify").asInt()).as(cell + " old by tag").isZero();
                assertThat(contender.get("new_by_tag_at_verify").asInt()).as(cell + " new by tag")
                        .isGreaterThanOrEqualTo(sessionsOnNewVersion);
                assertThat(contender.get("fleet_checks_agreed").asBoolean()).as(cell + " fleet check").isTrue();
            }
            // The change reached the nodes the fixed pools use: otherwise the drill proved nothing.
            assertThat(contenders.at("/fixed/rejected_logins").asLong()).as(scenario + " fixed rejected logins")
                    .isPositive();
        }
    }

    private static Map<Integer, Integer> aclUsers(List<RedisServer> nodes) {
        return nodes.stream().collect(Collectors.toMap(RedisServer::port,
                node -> ((List<?>) node.execute("ACL", "USERS")).size()));
    }

    private static String addresses(List<HostAndPort> nodes) {
        return nodes.stream().map(node -> node.getHost() + ":" + node.getPort()).collect(Collectors.joining(","));
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
