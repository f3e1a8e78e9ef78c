import type { ClusterOptions } from './cluster-options';

/**
 * Where a cluster command writes: `out` for its result (stdout), `err` for notices (stderr), and `progress`
 * for steps of a long operation (stderr, only when it is a terminal or `--progress` is given).
 */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  progress(line: string): void;
  /** Whether `progress` lines are shown (a command may skip the work of tracking progress otherwise). */
  readonly showsProgress: boolean;
}

/** The terminal's streams; progress lines only when stderr is a TTY or with `--progress`. */
export function terminalIo(options: Pick<ClusterOptions, 'progress'>): CommandIo {
  const showProgress = options.progress ?? process.stderr.isTTY === true;
  return {
    showsProgress: showProgress,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    progress: (line) => {
      if (showProgress) console.error(line);
    },
  };
}
