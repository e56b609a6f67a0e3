package org.sigbatch.cli;

import picocli.CommandLine.Command;

@Command(name = "accuracy", description = "TODO")
final class AccuracyCommand extends BaseCommand {
    @Override
    int run() {
        return 0;
    }
}
