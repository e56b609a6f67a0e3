package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Main builds picocli's model only for the command a command line names (a start-up cost), and for all otherwise. */
class SubcommandsTest {
    private static List<String> added(String... args) {
        CommandLine cl = new CommandLine(new Main());
        Main.addSubcommands(cl, args);
        return List.copyOf(cl.getSubcommands().keySet());
    }

    @Test
    void aNamedCommandGetsOnlyItself() {
        assertEquals(List.of("eval"), added("eval", "--op", "sigmoid"));
        assertEquals(List.of("bench"), added("bench"));
        assertEquals(List.of("devices"), added("devices"));
    }

    @Test
    void anythingElseGetsEveryCommandInHelpOrder() {
        List<String> all = List.of("eval", "bench", "devices", "accuracy", "run", "help");
        assertEquals(all, added());
        assertEquals(all, added("--help"));
        assertEquals(all, added("help", "eval"));
        assertEquals(all, added("evl"));
    }

    @Test
    void usageAndTyposStillListEveryCommand() {
        Cli.Result help = Cli.run("--help");
        assertEquals(0, help.code(), help.err());
        for (String c : List.of("eval", "bench", "devices", "accuracy", "run")) {
            assertTrue(help.out().lines().anyMatch(l -> l.trim().startsWith(c)), c + " in\n" + help.out());
        }
        Cli.Result typo = Cli.run("evl");
        assertEquals(ExitCodes.BAD_INPUT, typo.code(), typo.err());
    }
}
