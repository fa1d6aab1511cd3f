#!/usr/bin/env node
/** Entry point of the `mistral-operator` command. */
import { dispatch, type Command } from './command.js';
import { renderCommand } from './render-command.js';
import { runCommand } from './run-command.js';

/** The subcommands; a new one is a new entry here. */
export const commands: Readonly<Record<string, Command>> = {
  render: renderCommand,
  run: runCommand,
};

process.exitCode = await dispatch(process.argv.slice(2), commands, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
