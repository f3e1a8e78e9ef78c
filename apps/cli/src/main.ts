import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CliError } from './cli-error';
import { run, runOptions, type RunOptions } from './commands/run';
import { formatError } from './format';
import { version } from './version';

// hypernode-cli: parse the command line, run the command, exit with its code.
const args = hideBin(process.argv);
let exitCode = 0;
try {
  await yargs(args)
    .scriptName('hypernode-cli')
    .usage('$0 <command> [options]\n\nRun hypernode programs: processes, messages and modules, Erlang/OTP style.')
    .command<RunOptions>(
      'run <files...>',
      'Start an embedded cluster, load module files, spawn a module, and run until Ctrl-C',
      runOptions,
      async (argv) => {
        exitCode = await run(argv);
      },
    )
    .option('verbose', { type: 'boolean', global: true, describe: 'Print stack traces with errors' })
    .demandCommand(1, 'Give a command, e.g. hypernode-cli run <files...> --spawn <Module>.')
    .strict()
    .version(version)
    .help()
    .alias('help', 'h')
    .wrap(null)
    .exitProcess(false)
    .fail((message, error) => {
      // yargs reports bad usage with a message (or a YError); anything else was thrown by a command.
      if (error && error.name !== 'YError') throw error;
      throw new CliError(`${(message ?? error?.message ?? 'invalid usage').replace(/[.?]?$/, '')}; run with --help for usage.`);
    })
    .parseAsync();
} catch (err) {
  console.error(formatError(err, args.includes('--verbose')));
  exitCode = err instanceof CliError ? err.exitCode : 1;
}
process.exit(exitCode);
