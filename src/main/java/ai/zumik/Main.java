package ai.zumik;

import ai.zumik.cli.Cli;

/** Entry point of the {@code zumik} executable. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
        System.exit(Cli.run(args, System.getenv(), System.out, System.err));
    }
}
