package org.gpt4roi.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gpt4roi convert} (pending). */
@Command(name = "convert", mixinStandardHelpOptions = true, description = "(not built yet)")
final class ConvertCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.err.println("gpt4roi convert: not built yet");
        return 3;
    }
}
