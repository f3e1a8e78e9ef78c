/**
 * An error meant for the person at the terminal: its message is one sentence saying what is wrong and what
 * to do, printed as is (no stack trace, even with `--verbose`), and the CLI exits with `exitCode`.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
