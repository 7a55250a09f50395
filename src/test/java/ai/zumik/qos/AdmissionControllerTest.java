package ai.zumik.qos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdmissionControllerTest {
    /** Timers that fire only when the test says so; {@code delays} keeps what each was asked to wait. */
    private final List<Runnable> timers = new ArrayList<>();
    private final List<Long> delays = new ArrayList<>();
    private final AdmissionController.Timers manual = (delay, action) -> {
        timers.add(action);
        delays.add(delay);
        return () -> timers.remove(action);
    };
    private final List<String> log = new ArrayList<>();
    private final List<Runnable> releases = new ArrayList<>();

    private AdmissionController.Listener listener(String name) {
        return new AdmissionController.Listener() {
            @Override
            public void granted(boolean queued, Runnable release) {
                log.add(name + (queued ? ":queued" : ":now"));
                releases.add(release);
            }

            @Override
            public void refused(ReasonCode reason) {
                log.add(name + ":" + reason.wire());
            }
        };
    }

    private static QosRequest q(QosClass c, int priority) {
        return new QosRequest(c, null, null, priority, true);
    }

    private AdmissionController controller(int global, int perClass, int queue) {
        var limits = new java.util.EnumMap<QosClass, AdmissionController.Limits>(QosClass.class);
        for (QosClass c : QosClass.values()) limits.put(c, new AdmissionController.Limits(perClass, queue, 1_000));
        return new AdmissionController(global, Map.copyOf(limits));
    }

    @Test
    void runsUpToTheLimitThenQueuesAndGrantsInPriorityOrder() {
        var ac = controller(2, 2, 10);
        ac.admit(q(QosClass.STANDARD, 1), -1, Runnable::run, manual, listener("a"));
        ac.admit(q(QosClass.STANDARD, 1), -1, Runnable::run, manual, listener("b"));
        ac.admit(q(QosClass.STANDARD, 10), -1, Runnable::run, manual, listener("low-first"));
        ac.admit(q(QosClass.STANDARD, 200), -1, Runnable::run, manual, listener("high"));
        assertThat(log).containsExactly("a:now", "b:now");
        assertThat(ac.running()).isEqualTo(2);
        assertThat(ac.queued()).isEqualTo(2);
        releases.getFirst().run();
        assertThat(log).endsWith("high:queued");
        releases.getFirst().run(); // releasing twice is harmless
        assertThat(ac.running()).isEqualTo(2);
        assertThat(ac.queued()).as("a second release frees no slot for the next waiter").isEqualTo(1);
        assertThat(log).endsWith("high:queued");
        releases.get(1).run();
        assertThat(log).endsWith("low-first:queued");
    }

    @Test
    void interactiveIsServedBeforeBackgroundWhenAGlobalSlotFrees() {
        var ac = controller(1, 1, 10);
        ac.admit(q(QosClass.BATCH, 0), -1, Runnable::run, manual, listener("running"));
        ac.admit(q(QosClass.BACKGROUND, 255), -1, Runnable::run, manual, listener("background"));
        ac.admit(q(QosClass.INTERACTIVE, 0), -1, Runnable::run, manual, listener("interactive"));
        releases.getFirst().run();
        assertThat(log).containsExactly("running:now", "interactive:queued");
    }

    @Test
    void fullQueuesRefuseAndWaitersTimeOutOrExpireOrLeave() {
        var ac = controller(1, 1, 1);
        ac.admit(q(QosClass.STANDARD, 0), -1, Runnable::run, manual, listener("running"));
        ac.admit(q(QosClass.STANDARD, 0), -1, Runnable::run, manual, listener("waiting"));
        ac.admit(q(QosClass.STANDARD, 0), -1, Runnable::run, manual, listener("third"));
        assertThat(log).containsExactly("running:now", "third:queue_full");
        assertThat(delays.getFirst()).as("a waiter without a deadline waits the class's queue timeout").isEqualTo(1_000);
        timers.getFirst().run();
        assertThat(log).endsWith("waiting:queue_timeout");
        assertThat(ac.queued()).isZero();

        long soon = System.nanoTime() + 5_000_000; // deadline before the class's 1 s queue timeout
        ac.admit(q(QosClass.STANDARD, 0), soon, Runnable::run, manual, listener("deadline"));
        assertThat(delays.getLast()).as("the deadline, not the queue timeout, ends the wait").isBetween(1L, 5L);
        timers.getLast().run();
        assertThat(log).endsWith("deadline:expired_before_start");

        var waiting = ac.admit(q(QosClass.STANDARD, 0), -1, Runnable::run, manual, listener("leaver"));
        waiting.cancel();
        assertThat(ac.queued()).isZero();
        releases.getFirst().run();
        assertThat(log).doesNotContain("leaver:queued");
        assertThat(ac.running()).isZero();
    }
}
