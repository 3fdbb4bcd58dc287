package org.gpt4roi.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gpt4roi demo} (pending). */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "(not built yet)")
final class DemoCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.err.println("gpt4roi demo: not built yet");
        return 3;
    }
}
