import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JFR recording's execution samples went: the share of samples per thread (numbered pool
 * threads merged), the methods with the most samples on top of the stack, and, for every method
 * whose class name starts with one of the given prefixes, the share of samples it was on the stack
 * for (inclusive). Shares are of Java execution samples only: kernel time is not sampled.
 *
 * <p>Usage: {@code java -cp classes JfrFrames recording.jfr [prefix...]} (default prefix {@code ai.zumik.}); with
 * {@code THREAD=name-prefix} set, only that thread group's samples count
 */
public final class JfrFrames {
    public static void main(String[] args) throws Exception {
        String[] prefixes = args.length > 1 ? java.util.Arrays.copyOfRange(args, 1, args.length) : new String[] {"ai.zumik."};
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> top = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> deepest = new HashMap<>();
        int samples = 0;
        String only = System.getenv("THREAD"); // e.g. THREAD=zumik-usage-writer: that thread group's samples only
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) continue;
            var thread = e.getThread("sampledThread");
            String name = thread == null || thread.getJavaName() == null ? "?" : thread.getJavaName().replaceAll("-?\\d+$", "");
            if (only != null && !name.startsWith(only)) continue;
            samples++;
            threads.merge(name, 1, Integer::sum);
            var frames = e.getStackTrace().getFrames();
            if (!frames.isEmpty()) top.merge(method(frames.getFirst()), 1, Integer::sum);
            for (RecordedFrame f : frames) {
                String m = method(f);
                if (m.startsWith(prefixes[0]) && !m.contains("$$Lambda")) {
                    deepest.merge(m, 1, Integer::sum);
                    break;
                }
            }
            Set<String> seen = new HashSet<>();
            for (RecordedFrame f : frames) {
                String m = method(f);
                if (m.contains("$$Lambda")) continue;
                for (String p : prefixes) {
                    if (m.startsWith(p) && seen.add(m)) inclusive.merge(m, 1, Integer::sum);
                }
            }
        }
        System.out.println("execution samples: " + samples);
        print("threads", threads, samples, 10);
        print("top of stack", top, samples, 30);
        print("on the stack (inclusive), " + String.join(" ", prefixes), inclusive, samples, 120);
        print("deepest " + prefixes[0] + " frame (its own work and what it calls outside " + prefixes[0] + ")", deepest, samples, 60);
    }

    private static String method(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static void print(String title, Map<String, Integer> counts, int samples, int limit) {
        System.out.println("== " + title);
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(limit)
                .forEach(en -> System.out.printf("%5.1f%%  %s%n", en.getValue() * 100.0 / samples, en.getKey()));
    }
}
