/**
 * `mistral-operator render -f FILE`: prints, without a cluster, the objects the operator would
 * create for each MistralDeployment in a manifest, so a person can review them first.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { formatProblems } from '../api/problem.js';
import { validateManifest } from '../api/validate-spec.js';
import { renderOwnedObjects } from '../render/owned-objects.js';
import { EXIT_FAILURE, EXIT_USAGE, type CliIo, type Command } from './command.js';

/**
 * Owner uid in the output when the manifest has none. Objects that name a missing owner are
 * deleted by the garbage collector, which is why the output says not to apply it.
 */
export const PLACEHOLDER_UID = '00000000-0000-0000-0000-000000000000';

const USAGE = `Usage: mistral-operator render -f FILE [-n NAMESPACE]

Print the objects the operator would create for each MistralDeployment in FILE.

Options:
  -f, --filename FILE       manifest to read; "-" reads standard input
  -n, --namespace NAMESPACE namespace for manifests that name none (default "default")
  -h, --help                show this help
`;

/** The `render` subcommand. */
export const renderCommand: Command = {
  summary: 'print the objects the operator would create for a manifest',
  usage: USAGE,
  run: runRender,
};

interface RenderOptions {
  filename: string;
  namespace: string;
}

async function runRender(args: string[], io: CliIo): Promise<number> {
  const options = parseRenderArgs(args, io);
  if (typeof options === 'number') return options;
  const text = await readInput(options.filename, io.stdin).catch((error: unknown) => {
    io.stderr.write(`render: cannot read ${options.filename}: ${errorMessage(error)}\n`);
    return undefined;
  });
  if (text === undefined) return EXIT_FAILURE;
  const result = renderText(text, options);
  if (result.errors.length > 0) {
    const source = options.filename === '-' ? '<stdin>' : options.filename;
    io.stderr.write(result.errors.map((e) => `${source}: ${e}\n`).join(''));
    return EXIT_FAILURE;
  }
  io.stdout.write(result.output);
  return 0;
}

/** The parsed options, or the exit code when the command line asks for help or is wrong. */
function parseRenderArgs(args: string[], io: CliIo): RenderOptions | number {
  try {
    const { values } = parseArgs({
      args,
      options: {
        filename: { type: 'string', short: 'f' },
        namespace: { type: 'string', short: 'n', default: 'default' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (values.filename === undefined) throw new Error('option -f FILE is required');
    return { filename: values.filename, namespace: values.namespace };
  } catch (error) {
    io.stderr.write(`render: ${errorMessage(error)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
}

async function readInput(filename: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (filename !== '-') return readFile(filename, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** The YAML output for every document in `text`, or the errors that prevent it. */
function renderText(
  text: string,
  options: { namespace: string },
): { output: string; errors: string[] } {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) return { output: '', errors: ['no YAML documents found'] };
  const parseErrors = documents.flatMap((doc) => doc.errors.map((e) => e.message));
  if (parseErrors.length > 0) return { output: '', errors: parseErrors };
  const manifests = documents.map((doc) => doc.toJS() as unknown).filter((m) => m != null);
  if (manifests.length === 0) return { output: '', errors: ['no MistralDeployment found'] };
  const rendered = manifests.map((m, i) => renderManifest(m, i, options.namespace));
  const errors = rendered.flatMap((r) => (typeof r === 'string' ? [] : r.errors));
  return { output: rendered.filter((r) => typeof r === 'string').join('---\n'), errors };
}

function renderManifest(
  manifest: unknown,
  index: number,
  defaultNamespace: string,
): string | { errors: string[] } {
  const validation = validateManifest(manifest);
  if (!validation.valid) {
    const lines = formatProblems(validation.problems).split('\n');
    return { errors: lines.map((line) => `document ${index + 1}: ${line}`) };
  }
  const { metadata } = validation.resource;
  const owner = {
    name: metadata.name,
    namespace: metadata.namespace ?? defaultNamespace,
    uid: metadata.uid ?? PLACEHOLDER_UID,
  };
  const replicas = validation.resolved.replicas;
  const objects = renderOwnedObjects(owner, validation.resolved, replicas);
  const header =
    `# Objects the operator would create for MistralDeployment ${owner.namespace}/${owner.name}` +
    ` with ${replicas} replica(s).\n# For review: apply the MistralDeployment, not this output.\n`;
  return header + objects.map((object) => stringify(object)).join('---\n');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
