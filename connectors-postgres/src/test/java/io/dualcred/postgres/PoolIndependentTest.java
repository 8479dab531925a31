package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The tests marked {@link PoolIndependent}, which the version-range build leaves out, reach no class of the libraries
 * that build swaps: read from the class files, following every dualcred class they name (the test servers aside,
 * which are the harness, not the code under test).
 */
class PoolIndependentTest {

    /** Where the range build's libraries live: HikariCP, Jedis, commons-pool2. */
    private static final List<String> SWAPPED = List.of("com/zaxxer/", "redis/clients/", "org/apache/commons/pool2/");
    private static final Pattern DUALCRED_CLASS = Pattern.compile("io/dualcred/[A-Za-z0-9_/$]+");
    private static final String HARNESS = "io/dualcred/testservers/";

    @Test
    void testsMarkedPoolIndependentReachNoClassOfHikariCpJedisOrCommonsPool() throws Exception {
        List<String> marked = markedTestClasses();
        assertThat(marked).as("test classes marked @PoolIndependent").isNotEmpty();

        for (String testClass : marked) {
            Set<String> reached = new HashSet<>();
            Deque<String> toRead = new ArrayDeque<>(List.of(testClass));
            while (!toRead.isEmpty()) {
                String name = toRead.pop();
                if (!reached.add(name)) {
                    continue;
                }
                String constants = classFile(name);
                for (String library : SWAPPED) {
                    assertThat(constants.contains(library))
                            .as("%s, reached from %s, names a class of %s", name, testClass, library).isFalse();
                }
                Matcher named = DUALCRED_CLASS.matcher(constants);
                while (named.find()) {
                    String other = named.group();
                    if (!other.startsWith(HARNESS) && classFileExists(other)) {
                        toRead.push(other);
                    }
                }
            }
        }
    }

    private static List<String> markedTestClasses() throws IOException, URISyntaxException {
        Path root = Path.of(PoolIndependentTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String annotation = "L" + PoolIndependent.class.getName().replace('.', '/') + ";";
        List<String> marked = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                if (Files.readString(file, StandardCharsets.ISO_8859_1).contains(annotation)) {
                    String name = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                    marked.add(name.substring(0, name.length() - ".class".length()));
                }
            }
        }
        return marked;
    }

    private static boolean classFileExists(String name) {
        return PoolIndependentTest.class.getClassLoader().getResource(name + ".class") != null;
    }

    /** The class file as ISO-8859-1 text: every class name it refers to appears in it as written. */
    private static String classFile(String name) throws IOException {
        try (InputStream in = PoolIndependentTest.class.getClassLoader().getResourceAsStream(name + ".class")) {
            assertThat(in).as("class file of " + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
