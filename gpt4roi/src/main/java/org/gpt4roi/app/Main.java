package org.gpt4roi.app;

import org.gpt4roi.tensor.Gpt4RoiException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code gpt4roi} command. With no subcommand it runs {@code demo}: the bundled tiny model on
 * a bundled photo. Errors of the project's own kinds print their message only ({@code --debug}
 * shows the stack trace).
 */
@Command(name = "gpt4roi", mixinStandardHelpOptions = true, version = "gpt4roi 0.1.0",
        description = "GPT4RoI on the JVM: ask a vision-language model about regions of an image.",
        subcommands = {DemoCommand.class, AskCommand.class, ChatCommand.class, DumpCommand.class,
                ServeCommand.class, ConvertCommand.class, InspectCommand.class, DevicesCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    static boolean debug;

    @CommandLine.Option(names = "--debug", description = "Show stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
    void setDebug(boolean d) { debug = d; }

    @Override public void run() { }   // never reached: no arguments means "demo" (see execute)

    public static void main(String[] args) { System.exit(execute(args)); }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int execute(String... args) {
        if (args.length == 0) args = new String[] {"demo"};
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof Gpt4RoiException && !debug) {
                cmd.getErr().println("error: " + ex.getMessage());
                return 2;
            }
            if (!debug) {
                cmd.getErr().println("error: " + ex + " (run with --debug for the stack trace)");
                return 1;
            }
            ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl.execute(args);
    }
}
