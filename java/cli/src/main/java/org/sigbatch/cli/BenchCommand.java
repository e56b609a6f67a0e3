package org.sigbatch.cli;

import picocli.CommandLine.Command;

@Command(name = "bench", description = "TODO")
final class BenchCommand extends BaseCommand {
    @Override
    int run() {
        return 0;
    }
}
