/** Where the runtime reports what a person should see: crashes, dead ends, reconnections. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const stamp = () => new Date().toISOString();

/** Writes warnings and errors to stderr, info to stdout; debug only when `HYPERNODE_DEBUG` is set. */
export const consoleLogger: Logger = {
  debug: (m) => {
    if (process.env.HYPERNODE_DEBUG) console.error(`${stamp()} debug ${m}`);
  },
  info: (m) => console.log(`${stamp()} info  ${m}`),
  warn: (m) => console.error(`${stamp()} warn  ${m}`),
  error: (m) => console.error(`${stamp()} error ${m}`),
};

/** Says nothing: for tests and benchmarks. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
