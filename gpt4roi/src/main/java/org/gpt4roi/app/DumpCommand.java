package org.gpt4roi.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gpt4roi dump} (pending). */
@Command(name = "dump", mixinStandardHelpOptions = true, description = "(not built yet)")
final class DumpCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.err.println("gpt4roi dump: not built yet");
        return 3;
    }
}
