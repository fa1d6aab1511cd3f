/** Something wrong with a MistralDeployment that the person who wrote it has to fix. */
export interface Problem {
  /** Path of the field at fault, such as `spec.vllm.extraArgs[2]`. */
  field: string;
  /** One CamelCase word for programs, and for the reason of a condition. */
  reason: string;
  /** What is wrong and what to do about it. */
  message: string;
}

/** One line per problem: `field: message (Reason)`. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.field || '(document)'}: ${p.message} (${p.reason})`).join('\n');
}
