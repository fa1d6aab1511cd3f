/**
 * Subcommand dispatch for the `mistral-operator` command line: a table of named commands,
 * each parsing its own arguments and returning an exit code.
 */

/** The streams a command reads and writes, passed in so tests can run commands in-process. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** One subcommand. */
export interface Command {
  /** One line for the list of commands. */
  summary: string;
  /** Usage text shown by `COMMAND --help` and after a usage error. */
  usage: string;
  /** Runs with the arguments after the subcommand name; resolves to the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Exit code of a command line that could not be understood. */
export const EXIT_USAGE = 2;

/** Exit code of a command that understood its input and found it wrong or unreadable. */
export const EXIT_FAILURE = 1;

/** Runs the subcommand named by `argv[0]`, or prints usage. Resolves to the exit code. */
export async function dispatch(
  argv: readonly string[],
  commands: Readonly<Record<string, Command>>,
  io: CliIo,
): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(formatUsage(commands));
    return 0;
  }
  const command = name !== undefined && Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    const complaint = name === undefined ? 'no command given' : `unknown command "${name}"`;
    io.stderr.write(`mistral-operator: ${complaint}\n\n${formatUsage(commands)}`);
    return EXIT_USAGE;
  }
  return command.run(args, io);
}

/** The top-level usage text listing every command. */
export function formatUsage(commands: Readonly<Record<string, Command>>): string {
  const names = Object.keys(commands).sort();
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${commands[n]?.summary ?? ''}`);
  return `Usage: mistral-operator COMMAND [OPTIONS]\n\nCommands:\n${lines.join('\n')}\n\nRun "mistral-operator COMMAND --help" for a command's options.\n`;
}
