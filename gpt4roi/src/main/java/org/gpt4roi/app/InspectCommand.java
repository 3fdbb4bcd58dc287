package org.gpt4roi.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gpt4roi inspect} (pending). */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "(not built yet)")
final class InspectCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.err.println("gpt4roi inspect: not built yet");
        return 3;
    }
}
