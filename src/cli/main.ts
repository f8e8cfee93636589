/**
 * The `merkle` command: a thin shell over the library API. Each command parses its
 * arguments, calls the API, prints the result, and maps errors to exit codes (see exit.ts).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { kCommands, type Command } from './commands.js';
import { UsageError } from '../errors.js';
import { describeError, exitCodeFor, EXIT_OK, EXIT_USAGE } from './exit.js';
import { writeOut } from './output.js';

const kUsage = `merkle — build, prove and compare Merkle trees over large data

Usage: merkle <command> [options]

Commands:
${Object.values(kCommands)
  .map((c) => `  ${c.name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run 'merkle <command> --help' for a command's options.
Exit codes: 0 success / valid, 1 verification failed or trees differ, 2 usage or input error.
`;

async function runCommand(command: Command, argv: string[]): Promise<number> {
  if (command.subcommands && argv[0] !== undefined && !argv[0].startsWith('-')) {
    const sub = command.subcommands[argv[0]];
    if (!sub) throw new UsageError(`unknown command ${JSON.stringify(`${command.name} ${argv[0]}`)}; ${command.name} commands: ${Object.keys(command.subcommands).join(', ')}`);
    return runCommand(sub, argv.slice(1));
  }
  const config: ParseArgsConfig = {
    args: argv,
    options: { ...command.options, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  };
  const { values, positionals } = parseArgs(config);
  if (values.help) {
    writeOut(command.help);
    return EXIT_OK;
  }
  const [min, max] = command.positionals;
  if (positionals.length < min || positionals.length > max) {
    throw new UsageError(`${command.name}: expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${positionals.length}; see 'merkle ${command.name} --help'`);
  }
  return command.run(values as Record<string, string | boolean | undefined>, positionals);
}

/** main runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeOut(kUsage);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  try {
    const command = kCommands[name];
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${Object.keys(kCommands).join(', ')}`);
    return await runCommand(command, rest);
  } catch (error) {
    process.stderr.write(`merkle: ${describeError(error)}\n`);
    return exitCodeFor(error);
  }
}
