package org.gpt4roi.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gpt4roi devices} (pending). */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "(not built yet)")
final class DevicesCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.err.println("gpt4roi devices: not built yet");
        return 3;
    }
}
