/**
 * Certificates and keys for the local control plane, made with the openssl CLI.
 *
 * Everything is generated fresh into the state directory on every `cluster:up`, so no
 * key ever leaves the machine or outlives the plane it was made for.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of the files {@link generatePki} writes. */
export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  clients: Record<ClientName, { cert: string; key: string }>;
}

/** Identities that talk to the API server, with the user and groups RBAC sees. */
const clientSubjects = {
  admin: '/O=system:masters/CN=mistral-admin',
  controllerManager: '/CN=system:kube-controller-manager',
  scheduler: '/CN=system:kube-scheduler',
  kwok: '/O=system:masters/CN=kwok-controller',
  // The operator when run on the developer's machine (demo, tests): its own user name
  // makes its requests countable in the audit log.
  operator: '/O=system:masters/CN=mistral-operator',
} as const;

export type ClientName = keyof typeof clientSubjects;

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(error)}`, {
      cause: error,
    });
  }
}

function signedCert(dir: string, name: string, subject: string, extensions: string): void {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(['genrsa', '-out', `${name}.key`, '2048'], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key'].concat([
      '-CAcreateserial',
      '-days',
      '30',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      `${name}.crt`,
    ]),
    dir,
  );
}

const serverExtensions = [
  'basicConstraints=CA:FALSE',
  'keyUsage=digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
  'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc',
].join('\n');

const clientExtensions = [
  'basicConstraints=CA:FALSE',
  'keyUsage=digitalSignature,keyEncipherment',
  'extendedKeyUsage=clientAuth',
].join('\n');

/** Writes a CA, a serving certificate, client certificates and the service-account key pair. */
export function generatePki(dir: string): Pki {
  openssl(['genrsa', '-out', 'ca.key', '2048'], dir);
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=mistral-operator-local-ca'].concat([
      '-days',
      '30',
      '-sha256',
      '-out',
      'ca.crt',
    ]),
    dir,
  );
  signedCert(dir, 'apiserver', '/CN=kube-apiserver', serverExtensions);
  for (const [name, subject] of Object.entries(clientSubjects)) {
    signedCert(dir, name, subject, clientExtensions);
  }
  openssl(['genrsa', '-out', 'service-account.key', '2048'], dir);
  openssl(['rsa', '-in', 'service-account.key', '-pubout', '-out', 'service-account.pub'], dir);

  const clients = Object.fromEntries(
    Object.keys(clientSubjects).map((name) => [
      name,
      { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) },
    ]),
  ) as Pki['clients'];
  return {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'apiserver.crt'),
    serverKey: join(dir, 'apiserver.key'),
    serviceAccountKey: join(dir, 'service-account.key'),
    serviceAccountPub: join(dir, 'service-account.pub'),
    clients,
  };
}
