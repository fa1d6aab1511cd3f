/**
 * Structured JSON logging for the operator. One root logger per process; every reconcile
 * line goes through a child that carries the object's coordinates, so a log search for one
 * MistralDeployment finds every line about it.
 */
import type { Writable } from 'node:stream';
import winston from 'winston';

/** A winston logger; children share the root's level and destination. */
export type Logger = winston.Logger;

/** Levels the operator uses, most to least severe. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Fields every line of one reconcile carries. */
export interface ReconcileLogFields {
  namespace: string;
  name: string;
  generation?: number;
  reconcileId: string;
}

/** Tells whether a flag value names a known level. */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * Creates the root JSON logger.
 *
 * @param level - lines below this level are dropped
 * @param destination - where lines go; stdout by default (tests pass a buffer)
 */
export function createLogger(level: LogLevel, destination?: Writable): Logger {
  const transport = destination
    ? new winston.transports.Stream({ stream: destination })
    : new winston.transports.Console();
  return winston.createLogger({
    level,
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format.json(),
    ),
    transports: [transport],
  });
}

/** A child logger whose every line carries the reconciled object's coordinates. */
export function createReconcileLogger(parent: Logger, fields: ReconcileLogFields): Logger {
  return parent.child({ ...fields });
}

/**
 * A logger that drops everything; for library code under test that has nothing to say to
 * the test.
 */
export function createSilentLogger(): Logger {
  return winston.createLogger({ silent: true });
}

/**
 * The message of an error for a log field. Winston's JSON format would serialize an `Error`
 * in a field as `{}`, so callers log `{ error: errorMessage(err) }` instead.
 */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
