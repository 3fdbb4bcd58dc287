package org.gpt4roi.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gpt4roi ask} (pending). */
@Command(name = "ask", mixinStandardHelpOptions = true, description = "(not built yet)")
final class AskCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.err.println("gpt4roi ask: not built yet");
        return 3;
    }
}
