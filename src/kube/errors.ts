/**
 * What went wrong in a call to the API server, in terms a controller acts on: the HTTP code,
 * the API's `reason` (NotFound, AlreadyExists, Conflict, ...), the server's own message, and
 * whether trying again later can help.
 */
import { ApiException } from '@kubernetes/client-node';

/** A failed API call, reduced to what decides the next step. */
export interface KubeErrorInfo {
  /** HTTP status; undefined when no response arrived (connection refused, timeout). */
  code: number | undefined;
  /** The API's machine-readable reason, or a name derived from the code. */
  reason: string;
  /** The API server's message when it sent one, else the error's own message. */
  message: string;
  /** True when the same request may succeed later without anyone changing the request. */
  retryable: boolean;
}

/** Reasons for codes that arrive without a Status body. */
const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Codes where the request itself is wrong or not allowed, so repeating it cannot help. */
const PERMANENT_CODES = new Set([400, 401, 403, 404, 405, 415, 422]);

/**
 * An API call that failed, with what the operator was doing. The message reads
 * "applying Deployment llm/small4: Conflict: ..." and `cause` keeps the original error.
 */
export class KubeError extends Error {
  /** The classification of the cause, computed once. */
  readonly info: KubeErrorInfo;

  constructor(action: string, cause: unknown) {
    const info = classifyKubeError(cause);
    super(`${action}: ${formatInfo(info)}`, { cause });
    this.name = 'KubeError';
    this.info = info;
  }
}

/**
 * Classifies any error thrown by client-node: an `ApiException` (generated and object APIs),
 * a watch error carrying `statusCode`, a {@link KubeError} (looked through to its cause), or
 * a network error without a response.
 */
export function classifyKubeError(err: unknown): KubeErrorInfo {
  if (err instanceof KubeError) return err.info;
  const code = statusCodeOf(err);
  if (code === undefined) return networkInfo(err);
  const status = parseStatusBody(err instanceof ApiException ? err.body : undefined);
  return {
    code,
    reason: status.reason ?? REASON_BY_CODE[code] ?? `Http${code}`,
    message: status.message ?? (err instanceof ApiException ? `HTTP ${code}` : messageOf(err)),
    retryable: !PERMANENT_CODES.has(code),
  };
}

/** True when the error means the object does not exist (HTTP 404). */
export function isNotFound(err: unknown): boolean {
  return classifyKubeError(err).code === 404;
}

/** True when the error means a create found the object already there. */
export function isAlreadyExists(err: unknown): boolean {
  const info = classifyKubeError(err);
  return info.code === 409 && info.reason === 'AlreadyExists';
}

/** True when an optimistic-concurrency precondition failed (resourceVersion moved on). */
export function isConflict(err: unknown): boolean {
  const info = classifyKubeError(err);
  return info.code === 409 && info.reason !== 'AlreadyExists';
}

function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  // Watch failures from client-node carry the HTTP status as `statusCode`.
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

function networkInfo(err: unknown): KubeErrorInfo {
  // System errors (ECONNREFUSED, ETIMEDOUT) carry a string `code`; keep it as the reason.
  const systemCode = (err as { code?: unknown } | null)?.code;
  const reason = typeof systemCode === 'string' ? systemCode : 'NoResponse';
  return { code: undefined, reason, message: messageOf(err), retryable: true };
}

interface StatusBody {
  reason?: string;
  message?: string;
}

/** The API server sends a v1 Status as JSON; client-node hands it over as text or object. */
function parseStatusBody(body: unknown): StatusBody {
  const parsed = typeof body === 'string' ? parseJson(body) : body;
  if (typeof parsed !== 'object' || parsed === null) return {};
  const { reason, message } = parsed as Record<string, unknown>;
  return {
    reason: typeof reason === 'string' && reason !== '' ? reason : undefined,
    message: typeof message === 'string' && message !== '' ? message : undefined,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function formatInfo(info: KubeErrorInfo): string {
  return info.message.startsWith(info.reason) ? info.message : `${info.reason}: ${info.message}`;
}
