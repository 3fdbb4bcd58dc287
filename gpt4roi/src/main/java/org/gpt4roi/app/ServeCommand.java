package org.gpt4roi.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gpt4roi serve} (pending). */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "(not built yet)")
final class ServeCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.err.println("gpt4roi serve: not built yet");
        return 3;
    }
}
