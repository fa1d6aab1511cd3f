import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the real command line, as a person would, from the repository root. */
function runCli(args: string[], input?: string) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repositoryRoot,
    input,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

type Rendered = V1Deployment & V1Service;

/** The YAML documents of `stdout`, typed loosely enough to read any of the rendered kinds. */
function documentsOf(stdout: string): Rendered[] {
  return parseAllDocuments(stdout).map((doc) => doc.toJS() as Rendered);
}

const INVALID = `apiVersion: serving.mistral-operator.io/v1alpha1
kind: MistralDeployment
metadata: {name: broken}
spec:
  gpu: {count: 0}
  vllm: {extraArgs: ["--port", "9000"]}
`;

describe('mistral-operator render', { concurrency: 4 }, () => {
  it('prints the Deployment, Service and PodDisruptionBudget of the minimal example', () => {
    const { status, stdout, stderr } = runCli(['render', '-f', 'examples/minimal.yaml']);

    assert.equal(status, 0, stderr);
    const documents = documentsOf(stdout);
    assert.deepEqual(
      documents.map((d) => `${d.kind}/${d.metadata?.name}`),
      ['Deployment/small4', 'Service/small4', 'PodDisruptionBudget/small4'],
    );
    const [deployment, service] = documents;
    const container = deployment?.spec?.template.spec?.containers[0];
    assert.equal(deployment?.spec?.replicas, 1);
    assert.deepEqual(container?.command, ['vllm', 'serve']);
    assert.equal(container?.args?.[0], 'mistralai/Mistral-Small-4-119B-2603');
    assert.equal(container?.resources?.limits?.['nvidia.com/gpu'], '4');
    assert.equal(service?.spec?.ports?.[0]?.port, 8000);
  });

  it('starts a manifest with autoscaling at its minimum replica count', () => {
    const input = INVALID.replace(
      /spec:[\s\S]*/,
      'spec:\n  autoscaling: {minReplicas: 2, maxReplicas: 3}\n',
    );
    const { status, stdout } = runCli(['render', '-f', '-'], input);

    assert.equal(status, 0);
    assert.equal(documentsOf(stdout)[0]?.spec?.replicas, 2);
  });

  it('adds the cache claim for the production example', () => {
    const { status, stdout } = runCli(['render', '--filename', 'examples/production.yaml']);

    assert.equal(status, 0);
    assert.deepEqual(
      documentsOf(stdout).map((d) => d.kind),
      ['PersistentVolumeClaim', 'Deployment', 'Service', 'PodDisruptionBudget'],
    );
    assert.equal(documentsOf(stdout)[1]?.metadata?.namespace, 'llm');
  });

  it('reads standard input and takes the namespace from -n', () => {
    const input =
      'apiVersion: serving.mistral-operator.io/v1alpha1\nkind: MistralDeployment\nmetadata: {name: s}\n';
    const { status, stdout } = runCli(['render', '-f', '-', '-n', 'team-a'], input);

    assert.equal(status, 0);
    assert.ok(documentsOf(stdout).every((d) => d.metadata?.namespace === 'team-a'));
  });

  it('refuses an invalid manifest with an exit code of 1 and every field at fault', () => {
    const { status, stdout, stderr } = runCli(['render', '-f', '-'], INVALID);

    assert.equal(status, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /spec\.gpu\.count: must be >= 1/);
    assert.doesNotMatch(stderr, /ManagedFlagInExtraArgs/, 'checks run after the schema passes');
  });

  it('names the field of a problem only the operator can catch', () => {
    const input = INVALID.replace('{count: 0}', '{count: 4}');
    const { status, stderr } = runCli(['render', '-f', '-'], input);

    assert.equal(status, 1);
    assert.match(
      stderr,
      /spec\.vllm\.extraArgs\[0\]: --port is set by the operator.*\(ManagedFlagInExtraArgs\)/,
    );
  });

  it('prints usage on stderr and exits 2 for an unknown command', () => {
    const { status, stdout, stderr } = runCli(['deploy']);

    assert.equal(status, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /unknown command "deploy"[\s\S]*Usage: mistral-operator/);
  });

  it('reports a file it cannot read', () => {
    const { status, stderr } = runCli(['render', '-f', 'examples/missing.yaml']);

    assert.equal(status, 1);
    assert.match(stderr, /cannot read examples\/missing\.yaml/);
  });
});
