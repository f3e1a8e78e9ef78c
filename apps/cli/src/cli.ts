import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CliError } from './cli-error';
import { call, callOptions, type CallOptions } from './commands/call';
import { clusterDestroy, clusterDestroyOptions, type ClusterDestroyOptions } from './commands/cluster-destroy';
import { deadLetters, deadLettersOptions, type DeadLettersOptions } from './commands/dead-letters';
import { kill, killOptions, type KillOptions } from './commands/kill';
import { load, loadOptions, type LoadOptions } from './commands/load';
import { modules, modulesOptions, type ModulesOptions } from './commands/modules';
import { move, moveOptions, type MoveOptions } from './commands/move';
import { nodes, nodesOptions, type NodesOptions } from './commands/nodes';
import { nodesRemove, nodesRemoveOptions, type NodesRemoveOptions } from './commands/nodes-remove';
import { ps, psOptions, type PsOptions } from './commands/ps';
import { reload, reloadOptions, type ReloadOptions } from './commands/reload';
import { run, runOptions, type RunOptions } from './commands/run';
import { newSecret, secretRole, secretRoleOptions, type SecretRoleOptions } from './commands/secret';
import { send, sendOptions, type SendOptions } from './commands/send';
import { spawn, spawnOptions, type SpawnOptions } from './commands/spawn';
import { status, statusOptions, type StatusOptions } from './commands/status';
import { top, topOptions, type TopOptions } from './commands/top';
import { tree, treeOptions, type TreeOptions } from './commands/tree';
import { workersAdd, workersAddOptions, type WorkersAddOptions } from './commands/workers-add';
import { workersRemove, workersRemoveOptions, type WorkersRemoveOptions } from './commands/workers-remove';
import { formatError } from './format';
import { version } from './version';

// hypernode-cli: parse the command line, run the command, exit with its code.
const args = hideBin(process.argv);
let exitCode = 0;
try {
  await yargs(args)
    .scriptName('hypernode-cli')
    .usage(
      '$0 <command> [options]\n\nRun hypernode programs (run), and operate a running cluster (the other commands): processes, messages and modules, Erlang/OTP style.',
    )
    .command<RunOptions>(
      'run <files...>',
      'Start an embedded cluster, load module files, spawn a module, and run until Ctrl-C',
      runOptions,
      async (argv) => {
        exitCode = await run(argv);
      },
    )
    .command<StatusOptions>('status', 'Show the cluster daemon, the nodes, and each worker with its load and counters', statusOptions, async (argv) => {
      exitCode = await status(argv);
    })
    .command<NodesOptions>(
      'nodes',
      'List the node daemons and their workers; nodes remove <node> drains one',
      (y) =>
        nodesOptions(y).command<NodesRemoveOptions>(
          'remove <node>',
          'Drain a node: its processes move to the other nodes (those that refuse end cleanly, parents are told), then its workers and the node daemon exit',
          nodesRemoveOptions,
          async (argv) => {
            exitCode = await nodesRemove(argv);
          },
        ),
      async (argv) => {
        exitCode = await nodes(argv);
      },
    )
    .command('workers', 'Add workers to a node, or remove one', (y) =>
      y
        .command<WorkersAddOptions>('add <node> [n]', 'Start n more workers (default 1) on a node; prints their ids once they are up', workersAddOptions, async (argv) => {
          exitCode = await workersAdd(argv);
        })
        .command<WorkersRemoveOptions>('remove <worker>', 'Stop a worker for good: its processes move to the other workers (those that refuse end cleanly), its node does not replace it', workersRemoveOptions, async (argv) => {
          exitCode = await workersRemove(argv);
        })
        .demandCommand(1, 'Give a workers command: add <node> [n], or remove <worker>.')
        .example('$0 workers add web-3 2', 'Start two more workers on node web-3')
        .example('$0 workers remove web-3-w2-m1x0a9', 'Stop that worker for good'),
    )
    .command<ModulesOptions>('modules', 'List the loaded modules: name, latest version, hash, source file', modulesOptions, async (argv) => {
      exitCode = await modules(argv);
    })
    .command<LoadOptions>('load <files...>', 'Bundle module files here and store their modules in the cluster', loadOptions, async (argv) => {
      exitCode = await load(argv);
    })
    .command<ReloadOptions>('reload <files...>', 'Store a new version of modules: running processes keep their state and switch to it', reloadOptions, async (argv) => {
      exitCode = await reload(argv);
    })
    .command<SpawnOptions>('spawn <module> [state-json]', 'Spawn a process of a loaded module as a child of the root; prints its name', spawnOptions, async (argv) => {
      exitCode = await spawn(argv);
    })
    .command<SendOptions>('send <name> <message>', 'Send a JSON message to a process', sendOptions, async (argv) => {
      exitCode = await send(argv);
    })
    .command<CallOptions>('call <name> <message>', "Send a JSON request to a process and print its reply", callOptions, async (argv) => {
      exitCode = await call(argv);
    })
    .command<PsOptions>('ps', 'List the processes: name, module, version, worker, parent, mailbox, status', psOptions, async (argv) => {
      exitCode = await ps(argv);
    })
    .command<TreeOptions>('tree', 'Show the processes as a tree under the root process', treeOptions, async (argv) => {
      exitCode = await tree(argv);
    })
    .command<TopOptions>('top', 'Watch the cluster live: each worker\'s CPU, memory, loop delay, backlog and message rates, then the busiest processes', topOptions, async (argv) => {
      exitCode = await top(argv);
    })
    .command<DeadLettersOptions>('dead-letters', 'Print the last messages the cluster dropped (time, worker, from, to, reason); --follow for new ones', deadLettersOptions, async (argv) => {
      exitCode = await deadLetters(argv);
    })
    .command<MoveOptions>('move <name>', 'Move a live process (state, mailbox, links, names, timers) to another worker: --to <worker>, or the least-loaded one', moveOptions, async (argv) => {
      exitCode = await move(argv);
    })
    .command<KillOptions>('kill <name> [reason]', 'End a process (and its children) with a reason', killOptions, async (argv) => {
      exitCode = await kill(argv);
    })
    .command('secret', 'Make a cluster secret, or print a role secret derived from it (docs/security.md)', (y) =>
      y
        .command('new', 'Print a fresh random cluster secret (64 hex digits)', (z) => z.strict(), () => {
          exitCode = newSecret();
        })
        .command<SecretRoleOptions>('role <role>', 'Print the secret of a role (read, operate, admin) for the configured cluster secret and cluster', secretRoleOptions, (argv) => {
          exitCode = secretRole(argv);
        })
        .demandCommand(1, 'Give a secret command: new, or role <read|operate|admin>.')
        .example('$0 secret new > cluster.secret', 'Make a secret; give it to every daemon and client (HYPERNODE_SECRET or --secret-file)'),
    )
    .command('cluster', 'Operate on a whole cluster: destroy <name> deletes a stopped one', (y) =>
      y
        .command<ClusterDestroyOptions>(
          'destroy <name>',
          "Delete a stopped cluster's RabbitMQ queues and exchange and its Redis keys (asks first; --yes does not)",
          clusterDestroyOptions,
          async (argv) => {
            exitCode = await clusterDestroy(argv);
          },
        )
        .demandCommand(1, 'Give a cluster command: destroy <name>.'),
    )
    .option('verbose', {
      type: 'boolean',
      global: true,
      describe: 'Print stack traces with errors, and log with pino on stderr (JSON unless stderr is a terminal; level debug, or HYPERNODE_LOG_LEVEL): connections, reconnections, what the embedded cluster of run reports',
    })
    .demandCommand(1, 'Give a command, e.g. hypernode-cli run <files...> --spawn <Module>, or hypernode-cli status.')
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
