/**
 * The operator's own HTTP endpoints on one port: `/healthz` (the process answers),
 * `/readyz` (see ./readiness.ts) and `/metrics` (Prometheus text).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage, type Logger } from '../log.js';
import type { OperatorMetrics } from './metrics.js';
import { decideReadiness, type ReadinessInputs } from './readiness.js';

/** Binds all interfaces, so the kubelet's probes and Prometheus reach the pod. */
export const DEFAULT_SERVER_HOST = '0.0.0.0';

/** The port the Helm chart and manifests expose. */
export const DEFAULT_SERVER_PORT = 8080;

/** Where to listen and what to report. */
export interface HealthServerOptions {
  /** @default {@link DEFAULT_SERVER_HOST}; tests pass 127.0.0.1 */
  host?: string;
  /** 0 picks a free port. @default {@link DEFAULT_SERVER_PORT} */
  port?: number;
  metrics: OperatorMetrics;
  /** Called for each `/readyz` request. */
  readiness: () => ReadinessInputs;
  logger: Logger;
}

/** A listening server. */
export interface RunningServer {
  host: string;
  port: number;
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Starts the server and resolves once it listens. */
export async function startHealthServer(options: HealthServerOptions): Promise<RunningServer> {
  const server = createServer((request, response) => {
    handleRequest(options, request, response).catch((err: unknown) => {
      const error = errorMessage(err);
      options.logger.error('health server request failed', { url: request.url, error });
      if (!response.headersSent) send(response, 500, 'text/plain', 'internal error\n');
    });
  });
  await listen(server, options.host ?? DEFAULT_SERVER_HOST, options.port ?? DEFAULT_SERVER_PORT);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    host: address.address,
    port: address.port,
    url: `http://${host}:${address.port}`,
    close: () => closeServer(server),
  };
}

async function handleRequest(
  options: HealthServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(response, 405, 'text/plain', 'method not allowed\n');
  }
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  switch (path) {
    case '/healthz':
      return send(response, 200, 'text/plain', 'ok\n');
    case '/readyz':
      return sendReadiness(response, options.readiness());
    case '/metrics': {
      const { registry } = options.metrics;
      return send(response, 200, registry.contentType, await registry.metrics());
    }
    default:
      return send(response, 404, 'text/plain', 'not found\n');
  }
}

function sendReadiness(response: ServerResponse, inputs: ReadinessInputs): void {
  const report = decideReadiness(inputs);
  send(response, report.ready ? 200 : 503, 'application/json', `${JSON.stringify(report)}\n`);
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Keep-alive connections (a Prometheus scraper) would hold close() open until they idle.
    server.closeAllConnections();
  });
}
