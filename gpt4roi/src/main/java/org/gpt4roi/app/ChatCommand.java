package org.gpt4roi.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gpt4roi chat} (pending). */
@Command(name = "chat", mixinStandardHelpOptions = true, description = "(not built yet)")
final class ChatCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.err.println("gpt4roi chat: not built yet");
        return 3;
    }
}
