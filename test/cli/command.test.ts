import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { dispatch, type CliIo } from '../../src/cli/command.js';
import { renderCommand } from '../../src/cli/render-command.js';

const commands = { render: renderCommand };

/** Runs a command line in-process and collects what it writes. */
async function run(argv: string[], input = '') {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.stdout.push(c));
  stderr.on('data', (c: Buffer) => chunks.stderr.push(c));
  const io: CliIo = { stdin: Readable.from([input]), stdout, stderr };
  const status = await dispatch(argv, commands, io);
  const text = (parts: Buffer[]) => Buffer.concat(parts).toString('utf8');
  return { status, stdout: text(chunks.stdout), stderr: text(chunks.stderr) };
}

describe('dispatch', () => {
  const usageErrors = [
    { name: 'an unknown command', argv: ['deploy'], message: /unknown command "deploy"/ },
    { name: 'no command', argv: [], message: /no command given/ },
    { name: 'a name inherited by every object', argv: ['toString'], message: /unknown command/ },
    { name: 'render without a file', argv: ['render'], message: /-f FILE is required/ },
    { name: 'an unknown render option', argv: ['render', '--bogus'], message: /'--bogus'/ },
  ];
  for (const { name, argv, message } of usageErrors) {
    it(`prints usage on stderr and exits 2 for ${name}`, async () => {
      const { status, stdout, stderr } = await run(argv);

      assert.equal(status, 2);
      assert.equal(stdout, '');
      assert.match(stderr, message);
      assert.match(stderr, /Usage: mistral-operator/);
    });
  }

  it('lists the commands on stdout for --help', async () => {
    const { status, stdout } = await run(['--help']);

    assert.equal(status, 0);
    assert.match(stdout, /render {2}print the objects the operator would create/);
  });

  it('prints the options of render for render --help', async () => {
    const { status, stdout } = await run(['render', '--help']);

    assert.equal(status, 0);
    assert.match(stdout, /-f, --filename FILE/);
  });

  it('renders standard input in-process as the real command does', async () => {
    const input =
      'apiVersion: serving.mistral-operator.io/v1alpha1\nkind: MistralDeployment\nmetadata: {name: s}\n';
    const { status, stdout } = await run(['render', '-f', '-'], input);

    assert.equal(status, 0);
    assert.match(stdout, /kind: Deployment/);
  });
});
