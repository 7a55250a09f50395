package ai.zumik;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/zumik}'s heap: it starts at its maximum ({@code bin/jvm.options}), and an {@code -Xmx}
 * in {@code ZUMIK_JAVA_OPTS} without {@code -Xms} brings the start down with it, where the JVM would
 * refuse a maximum below the start. Run against a jar with no main class: the JVM starts (and prints
 * its flags) before it finds none.
 */
class LauncherTest {
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void theHeapStartsAtItsMaximumAndASmallerMaximumBringsTheStartDownWithIt() throws Exception {
        assertThat(heap("")).isEqualTo(new long[] {384 * MIB, 384 * MIB});
        assertThat(heap("-Xmx128m")).isEqualTo(new long[] {128 * MIB, 128 * MIB});
        assertThat(heap("-Xms64m -Xmx128m")).as("an -Xms given is kept").isEqualTo(new long[] {64 * MIB, 128 * MIB});
    }

    /** The initial and maximum heap sizes bin/zumik starts the JVM with. */
    private long[] heap(String javaOpts) throws IOException, InterruptedException {
        Path jar = dir.resolve("empty.jar");
        if (!Files.exists(jar)) {
            Manifest m = new Manifest();
            m.getMainAttributes().putValue("Manifest-Version", "1.0");
            new JarOutputStream(Files.newOutputStream(jar), m).close();
        }
        ProcessBuilder pb = new ProcessBuilder("bin/zumik", "help").redirectErrorStream(true);
        pb.environment().put("ZUMIK_JAR", jar.toString());
        pb.environment().put("ZUMIK_JAVA_OPTS", (javaOpts + " -XX:+PrintFlagsFinal").trim());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as(out).contains("no main manifest attribute");
        return new long[] {flag(out, "InitialHeapSize"), flag(out, "MaxHeapSize")};
    }

    private static long flag(String flags, String name) {
        return flags.lines().filter(l -> l.contains(" " + name + " ")).findFirst()
                .map(l -> Long.parseLong(l.split("=")[1].trim().split("\\s+")[0]))
                .orElseThrow(() -> new AssertionError(name + " not printed"));
    }
}
