package org.sigbatch.cli;

import picocli.CommandLine.Command;

@Command(name = "run", description = "TODO")
final class RunCommand extends BaseCommand {
    @Override
    int run() {
        return 0;
    }
}
