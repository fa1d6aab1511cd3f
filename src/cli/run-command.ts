/**
 * `mistral-operator run`: starts the operator against the cluster of the current kubeconfig
 * (or the in-cluster service account) and runs until SIGTERM or SIGINT.
 */
import { parseArgs } from 'node:util';
import { createLogger, errorMessage, isLogLevel, type Logger } from '../log.js';
import { startOperator, type OperatorOptions } from '../operator.js';
import { EXIT_FAILURE, EXIT_USAGE, type CliIo, type Command } from './command.js';

const USAGE = `Usage: mistral-operator run [OPTIONS]

Run the operator: reconcile MistralDeployments into vLLM Deployments, Services and
PodDisruptionBudgets, and report their endpoints in status.

Options:
  --kubeconfig PATH          kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  --namespaces LIST          comma-separated namespaces to watch (default: all)
  --host ADDRESS             address of the health and metrics server (default 0.0.0.0)
  --port PORT                port of /healthz, /readyz and /metrics (default 8080)
  --leader-elect BOOL        compete for the leader Lease (default true)
  --lease-namespace NAME     namespace of the Lease (default: $POD_NAMESPACE or "default")
  --lease-name NAME          name of the Lease (default "mistral-operator")
  --workers N                MistralDeployments reconciled at once (default 4)
  --resync-seconds N         requeue every MistralDeployment this often (default 600)
  --log-level LEVEL          error, warn, info or debug (default info)
  -h, --help                 show this help
`;

/** The `run` subcommand. */
export const runCommand: Command = {
  summary: 'run the operator',
  usage: USAGE,
  run: runOperator,
};

class UsageError extends Error {}

function parsePositive(flag: string, value: string, allowZero = false): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < (allowZero ? 0 : 1)) {
    throw new UsageError(`--${flag} wants a whole number, got "${value}"`);
  }
  return parsed;
}

function parseBool(flag: string, value: string): boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  throw new UsageError(`--${flag} wants true or false, got "${value}"`);
}

function parseRunArgs(
  args: string[],
  logger: (level: string) => Logger,
): OperatorOptions & { help: boolean } {
  const { values } = parseArgs({
    args,
    options: {
      kubeconfig: { type: 'string' },
      namespaces: { type: 'string' },
      host: { type: 'string', default: '0.0.0.0' },
      port: { type: 'string', default: '8080' },
      'leader-elect': { type: 'string', default: 'true' },
      'lease-namespace': { type: 'string', default: process.env.POD_NAMESPACE ?? 'default' },
      'lease-name': { type: 'string', default: 'mistral-operator' },
      workers: { type: 'string', default: '4' },
      'resync-seconds': { type: 'string', default: '600' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const level = values['log-level'];
  if (!isLogLevel(level))
    throw new UsageError(`--log-level wants error, warn, info or debug, got "${level}"`);
  const namespaces = values.namespaces
    ?.split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return {
    help: values.help,
    kubeconfig: values.kubeconfig,
    namespaces: namespaces && namespaces.length > 0 ? namespaces : 'all',
    host: values.host,
    port: parsePositive('port', values.port, true),
    leaderElection: {
      enabled: parseBool('leader-elect', values['leader-elect']),
      namespace: values['lease-namespace'],
      name: values['lease-name'],
    },
    workers: parsePositive('workers', values.workers),
    resyncPeriodMs: parsePositive('resync-seconds', values['resync-seconds']) * 1000,
    logger: logger(level),
  };
}

/** Stops the operator on the first SIGTERM or SIGINT; a second one exits at once. */
function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(EXIT_FAILURE);
    stopping = true;
    logger.info('shutting down', { signal });
    void stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function runOperator(args: string[], io: CliIo): Promise<number> {
  let options: ReturnType<typeof parseRunArgs>;
  try {
    options = parseRunArgs(args, (level) => createLogger(level as never));
  } catch (error) {
    io.stderr.write(`run: ${errorMessage(error)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (options.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  try {
    const operator = await startOperator(options);
    let stopRequested = false;
    const stop = async () => {
      stopRequested = true;
      await operator.stop();
    };
    stopOnSignals(stop, options.logger);
    await operator.done;
    options.logger.info(stopRequested ? 'operator stopped' : 'leadership lost; exiting');
    return stopRequested ? 0 : EXIT_FAILURE;
  } catch (error) {
    options.logger.error('operator failed', { error: errorMessage(error) });
    return EXIT_FAILURE;
  }
}
