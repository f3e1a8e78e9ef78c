import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { SourceMap, createRequire, isBuiltin } from 'node:module';
import { dirname, isAbsolute, relative, resolve as resolvePath } from 'node:path';
import vm from 'node:vm';
import type { BuildFailure, BuildOptions, Message } from 'esbuild';
import { HypernodeError } from './errors';
import { checkModuleMaxMailbox } from './mailbox-bound';

/**
 * One module found in a source file, ready to be stored in the Registry and sent to workers.
 *
 * Every module found in one file shares that file's `code` and `hash`: the code is self-describing
 * (it records which export is which module), so {@link evaluateModule} on any worker returns the
 * classes keyed by module name without the original source.
 */
export interface BundledModule {
  /** The cluster-wide module name (see {@link moduleNameOf}). */
  name: string;
  /** Self-contained CommonJS code; `@hypernode/core`, `hypernode` and Node built-ins stay external. */
  code: string;
  /** Hex SHA-256 of `code` (see {@link hashCode}). */
  hash: string;
  /** Absolute path of the file it was bundled from, for people; not part of the hash. */
  origin: string;
  /** The export that holds the class: `'default'` or the export's own name. */
  exportName: string;
  /** esbuild's warnings (`file:line:col: text`), e.g. an `import.meta` that is empty under CommonJS. */
  warnings: string[];
}

/** The core object a bundle's `require('@hypernode/core')` and `require('hypernode')` return. */
type CoreObject = object;

/**
 * A module class as the loader sees it: a constructor whose prototype chain includes `core.Process`.
 * The loader does not know Process's own type; narrow with `as typeof Process` where it is known.
 */
export type ModuleClass = abstract new (...args: never[]) => unknown;

/**
 * Property of the CommonJS `module` object through which bundled code names its modules: a map from
 * module name to export name. It is written by a line that {@link bundleModuleFile} adds at the end
 * of the code; code without it gets names from the classes themselves.
 */
const NAMES_KEY = '__hypernodeModules';

const NAME_PATTERN = /^[A-Za-z_][\w.-]*$/;
const MARKER = '@hypernode-module';
const PARAMS = ['exports', 'require', 'module', '__filename', '__dirname'];
const SOURCE_MAP_PREFIX = '\n//# sourceMappingURL=';

/**
 * Bundles one source file (TypeScript or JavaScript) with esbuild and finds the module(s) it defines.
 *
 * The bundle is CommonJS for Node 20 with an inline source map; relative imports and npm packages
 * resolvable from the file's directory are bundled in (ESM-only packages included), while
 * `@hypernode/core`, `hypernode` and Node built-ins (`fs` and `node:fs` alike) stay external. Paths in
 * the bundle are relative to the file's directory and class names are kept, so the same source gives
 * the same code and hash wherever it lives.
 *
 * To learn its module names the bundle is evaluated once in this process (with `core` as the
 * runtime), so its top-level code runs here too. A file defines one module per exported class that
 * extends `core.Process`; the `@hypernode-module` comment names the default export (or the only
 * exported class when there is no default one).
 *
 * Throws {@link HypernodeError}: `INVALID_ARGUMENT` for a bad path or core; `MODULE_LOAD_FAILED` when
 * the file is missing, esbuild fails (syntax, unresolved import, top-level await) or the top level
 * throws; `MODULE_INVALID` when no exported class extends Process or a module name is not valid.
 */
export async function bundleModuleFile(path: string, core: CoreObject): Promise<BundledModule[]> {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new HypernodeError(
      'INVALID_ARGUMENT',
      `bundleModuleFile needs the path of a module file, got ${describeValue(path)}; pass a path such as './http-server.ts'.`,
    );
  }
  processClassOf(core);
  const origin = resolvePath(path);
  await checkFile(path, origin);

  const source = await readFile(origin, 'utf8');
  const { code: bundled, warnings } = await runEsbuild(path, origin);
  const exports = evaluateExports(bundled, origin, core);
  const found = processExports(exports, core);
  if (found.length === 0) throw noProcessExport(path, exports, core);

  const commentName = moduleNameInComment(source, path);
  const named = found.length === 1 ? found[0] : found.find(([key]) => key === 'default');
  if (commentName !== undefined && named === undefined) {
    throw new HypernodeError(
      'MODULE_INVALID',
      `Module file '${path}' has a '${MARKER} ${commentName}' comment but exports ${found.length} Process classes (${found.map(([key]) => key).join(', ')}) and none as default; make the class it names the default export, or remove the comment to name each module by its class.`,
    );
  }

  const names: Record<string, string> = {};
  for (const [exportName, cls] of found) {
    const name = cls === named?.[1] ? moduleNameOf(source, cls) : moduleNameOf(undefined, cls);
    if (names[name] !== undefined) {
      throw new HypernodeError(
        'MODULE_INVALID',
        `Module file '${path}' defines module '${name}' twice (exports '${names[name]}' and '${exportName}'); give one of the classes another name or a static 'moduleName'.`,
      );
    }
    names[name] = exportName;
  }

  const code = withNames(bundled, names);
  const hash = hashCode(code);
  return Object.entries(names).map(([name, exportName]) => ({ name, code, hash, origin, exportName, warnings }));
}

/**
 * Evaluates bundled module code and returns its Process subclasses keyed by module name.
 *
 * The code runs as a CommonJS function in the current realm (same globals, same `Error`, same
 * `process`); its `require('@hypernode/core')` and `require('hypernode')` return `core` itself, so
 * `extends Process` and `instanceof` use the runtime's own classes, and any other `require` of a Node
 * built-in goes to Node. Requiring anything else throws an error with code `MODULE_NOT_FOUND` (as
 * Node does), which an optional dependency's `try { require(...) }` tolerates. Stack frames of the
 * code name `origin`; the top-level error message points at the original `file:line:col` through the
 * inline source map.
 *
 * Names come from the code's own record (written by {@link bundleModuleFile}); code without one is
 * named by {@link moduleNameOf} of each exported class. Nothing is cached: every call runs the code.
 *
 * Throws {@link HypernodeError}: `MODULE_LOAD_FAILED` when the code does not compile or its top level
 * throws, `MODULE_INVALID` when it exports no Process subclass, `INVALID_ARGUMENT` for a bad core.
 */
export function evaluateModule(code: string, origin: string, core: CoreObject): Record<string, ModuleClass> {
  processClassOf(core);
  const module: { exports: unknown; [NAMES_KEY]?: unknown } = { exports: {} };
  const exports = evaluateExports(code, origin, core, module);
  const found = processExports(exports, core);
  if (found.length === 0) throw noProcessExport(origin, exports, core);

  const classes: Record<string, ModuleClass> = {};
  const record = module[NAMES_KEY];
  if (record !== undefined && record !== null && typeof record === 'object') {
    for (const [name, exportName] of Object.entries(record as Record<string, unknown>)) {
      const cls = found.find(([key]) => key === exportName)?.[1];
      if (cls === undefined) {
        throw new HypernodeError(
          'MODULE_INVALID',
          `Module code from '${origin}' names module '${name}' as export '${String(exportName)}', which is not a class extending Process; bundle the file again with bundleModuleFile.`,
        );
      }
      classes[name] = cls;
    }
    return classes;
  }
  for (const [, cls] of found) {
    const name = moduleNameOf(undefined, cls);
    if (classes[name] !== undefined) {
      throw new HypernodeError(
        'MODULE_INVALID',
        `Module code from '${origin}' exports two classes named '${name}'; give one another name or a static 'moduleName'.`,
      );
    }
    classes[name] = cls;
  }
  return classes;
}

/**
 * The module name of a class: the `@hypernode-module Name` comment in `source` (the marker first on
 * its line after comment punctuation, so `/** @hypernode-module Name **\/`, a JSDoc line
 * ` * @hypernode-module Name` and `// @hypernode-module Name` all count; the first one wins), else the
 * class's own static `moduleName` string, else the class name.
 * Pass `source` only for the class the comment names (the file's default export).
 *
 * Throws {@link HypernodeError} `MODULE_INVALID` when the comment has no name or the result does not
 * match `/^[A-Za-z_][\w.-]*$/` (an anonymous class, named `default`, has no usable name).
 */
export function moduleNameOf(source: string | undefined, cls: Function): string {
  const fromComment = source === undefined ? undefined : moduleNameInComment(source, undefined);
  if (fromComment !== undefined) return fromComment;
  const label = typeof cls === 'function' && cls.name ? `class '${cls.name}'` : 'an anonymous class';
  if (typeof cls === 'function' && Object.prototype.hasOwnProperty.call(cls, 'moduleName')) {
    const value: unknown = (cls as { moduleName?: unknown }).moduleName;
    if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
      throw new HypernodeError(
        'MODULE_INVALID',
        `The static 'moduleName' of ${label} is ${typeof value === 'string' ? `'${value}'` : describeValue(value)}, which is not a valid module name; use letters, digits, '_', '.' or '-', starting with a letter or '_'.`,
      );
    }
    return value;
  }
  const name = typeof cls === 'function' ? cls.name : '';
  if (name === '' || name === 'default') {
    throw new HypernodeError(
      'MODULE_INVALID',
      `Cannot name the module of ${label}: it has no class name, static 'moduleName' or '${MARKER}' comment; write 'export default class MyModule extends Process' or add '/** ${MARKER} MyModule **/'.`,
    );
  }
  if (!NAME_PATTERN.test(name)) {
    throw new HypernodeError(
      'MODULE_INVALID',
      `The class name '${name}' is not a valid module name; add a static 'moduleName' or a '${MARKER}' comment made of letters, digits, '_', '.' or '-'.`,
    );
  }
  return name;
}

/** Hex SHA-256 of the code's UTF-8 bytes: the content hash a module version is stored with. */
export function hashCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/** The name in the file's `@hypernode-module` comment, validated; `undefined` when there is none. */
function moduleNameInComment(source: string, path: string | undefined): string | undefined {
  const subject = path === undefined ? 'The' : `Module file '${path}' has a`;
  for (const line of source.split('\n')) {
    const match = /^\s*(?:\/\/+|\/\*+)?[\s*]*@hypernode-module(?![\w-])(.*)$/.exec(line);
    if (match === null) continue;
    const name = match[1]!.split('*/')[0]!.replace(/\*+\s*$/, '').trim();
    if (!NAME_PATTERN.test(name)) {
      throw new HypernodeError(
        'MODULE_INVALID',
        `${subject} '${MARKER}' comment naming ${name === '' ? 'nothing' : `'${name}'`}, which is not a valid module name; write '/** ${MARKER} MyModule **/' with letters, digits, '_', '.' or '-', starting with a letter or '_'.`,
      );
    }
    return name;
  }
  return undefined;
}

async function checkFile(path: string, origin: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(origin)).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new HypernodeError(
        'MODULE_LOAD_FAILED',
        `Cannot load module file '${path}': no such file; check the path (relative paths resolve from ${process.cwd()}).`,
        { cause: error },
      );
    }
    throw new HypernodeError(
      'MODULE_LOAD_FAILED',
      `Cannot load module file '${path}': ${(error as Error).message}; check that the file is readable.`,
      { cause: error },
    );
  }
  if (!isFile) {
    throw new HypernodeError(
      'MODULE_LOAD_FAILED',
      `Cannot load module file '${path}': it is not a file; pass the path of a .ts or .js file that exports the module class.`,
    );
  }
}

async function runEsbuild(path: string, origin: string): Promise<{ code: string; warnings: string[] }> {
  // Loaded on first use: workers only evaluate, and never pay for esbuild.
  const esbuild = await import('esbuild');
  const dir = dirname(origin);
  const options: BuildOptions = {
    entryPoints: [origin],
    absWorkingDir: dir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    // Positions only: the source itself again (base64) made an upload 2.3 times the file.
    sourcesContent: false,
    keepNames: true,
    external: ['@hypernode/core', 'hypernode'],
    write: false,
    logLevel: 'silent',
  };
  try {
    const result = await esbuild.build(options);
    const output = result.outputFiles?.[0];
    if (output === undefined) throw new Error('esbuild produced no output');
    return { code: output.text, warnings: result.warnings.map((warning) => formatMessage(warning, dir)) };
  } catch (error) {
    const messages = (error as Partial<BuildFailure>).errors;
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new HypernodeError(
        'MODULE_LOAD_FAILED',
        `Cannot bundle module file '${path}': ${(error as Error).message}; check that esbuild is installed and the file is readable.`,
        { cause: error },
      );
    }
    const shown = messages.slice(0, 3).map((message) => formatMessage(message, dir));
    const more = messages.length > shown.length ? ` (and ${messages.length - shown.length} more errors)` : '';
    throw new HypernodeError(
      'MODULE_LOAD_FAILED',
      `Cannot bundle module file '${path}': ${shown.join('; ')}${more}; ${fixFor(messages[0]!)}.`,
      { cause: error, details: { errors: messages.map((message) => formatMessage(message, dir)) } },
    );
  }
}

function fixFor(message: Message): string {
  if (/could not resolve/i.test(message.text)) {
    return "fix the import path, or install the package where the file's directory can resolve it";
  }
  if (/top-level await/i.test(message.text)) {
    return 'move the await into processWillRun, as module bundles are CommonJS and cannot await at the top level';
  }
  return 'fix the source and load it again';
}

/** `file:line:col: text`, the file relative to the current directory when it lies under it, else absolute. */
function formatMessage(message: Message, dir: string): string {
  const location = message.location;
  if (!location) return message.text;
  const absolute = resolvePath(dir, location.file);
  const fromCwd = relative(process.cwd(), absolute);
  const file = fromCwd === '' || fromCwd.startsWith('..') || isAbsolute(fromCwd) ? absolute : fromCwd;
  return `${file}:${location.line}:${location.column + 1}: ${message.text}`;
}

/** Runs the code as a CommonJS module and returns `module.exports`. */
function evaluateExports(
  code: string,
  origin: string,
  core: CoreObject,
  module: { exports: unknown } = { exports: {} },
): unknown {
  let fn: Function;
  try {
    fn = vm.compileFunction(code, PARAMS, { filename: origin });
  } catch (error) {
    throw new HypernodeError(
      'MODULE_LOAD_FAILED',
      `Module code from '${origin}' does not compile: ${errorText(error)}${where(error, code, origin)}; bundle the file again with bundleModuleFile.`,
      { cause: error },
    );
  }
  try {
    fn.call(module.exports, module.exports, moduleRequire(origin, core), module, origin, dirname(origin));
  } catch (error) {
    throw new HypernodeError(
      'MODULE_LOAD_FAILED',
      `Module file '${origin}' threw while loading: ${errorText(error)}${where(error, code, origin)}; fix its top-level code, which runs when the module is loaded and on every worker that uses it.`,
      { cause: error },
    );
  }
  return module.exports;
}

let builtinRequire: NodeJS.Require | undefined;

function moduleRequire(origin: string, core: CoreObject): NodeJS.Require {
  const require = (id: string): unknown => {
    if (id === '@hypernode/core' || id === 'hypernode') return core;
    if (typeof id === 'string' && isBuiltin(id)) {
      builtinRequire ??= createRequire(resolvePath('hypernode-module.cjs'));
      return builtinRequire(id);
    }
    const error = new Error(
      `Cannot find module '${String(id)}' required by the module bundled from '${origin}': only Node built-ins and '@hypernode/core' are available at run time, so import it statically for the bundler to include it.`,
    ) as NodeJS.ErrnoException;
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  };
  return Object.assign(require, { main: undefined, cache: Object.create(null) }) as unknown as NodeJS.Require;
}

function processClassOf(core: CoreObject): Function {
  const Process = core !== null && typeof core === 'object' ? (core as { Process?: unknown }).Process : undefined;
  if (typeof Process !== 'function') {
    throw new HypernodeError(
      'INVALID_ARGUMENT',
      `The core object has no 'Process' class (got ${describeValue(core)}); pass the API module code is given: 'import { moduleApi } from '@hypernode/core/runtime'' (or the @hypernode/core module itself).`,
    );
  }
  return Process;
}

/** Exported classes extending `core.Process` as `[exportName, class]`: default first, then by export name, each class once. */
function processExports(exports: unknown, core: CoreObject): Array<[string, ModuleClass]> {
  const Process = processClassOf(core);
  const isProcessClass = (value: unknown): value is ModuleClass =>
    typeof value === 'function' && value.prototype instanceof Process;
  const found: Array<[string, ModuleClass]> = [];
  const add = (key: string, value: unknown): void => {
    if (isProcessClass(value) && !found.some(([, cls]) => cls === value)) {
      checkModuleMaxMailbox(value);
      found.push([key, value]);
    }
  };
  if (typeof exports === 'function') {
    add('default', exports);
    return found;
  }
  if (exports === null || typeof exports !== 'object') return found;
  const entries = exportEntries(exports).sort(([a], [b]) =>
    a === 'default' ? -1 : b === 'default' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
  for (const [key, value] of entries) add(key, value);
  return found;
}

function exportEntries(exports: object): Array<[string, unknown]> {
  return Object.keys(exports).map((key) => {
    try {
      return [key, (exports as Record<string, unknown>)[key]];
    } catch {
      return [key, undefined];
    }
  });
}

function noProcessExport(file: string, exports: unknown, core: CoreObject): HypernodeError {
  const entries: Array<[string, unknown]> =
    typeof exports === 'function'
      ? [['module.exports', exports]]
      : exports !== null && typeof exports === 'object'
        ? exportEntries(exports)
        : [];
  const listed = entries.slice(0, 10).map(([key, value]) => `${key} (${describeValue(value)})`);
  const what = entries.length === 0 ? 'nothing' : listed.join(', ') + (entries.length > 10 ? ', ...' : '');
  const Process = processClassOf(core);
  const foreign = entries.some(([, value]) => extendsOtherProcess(value, Process));
  const hint = foreign
    ? "; a class extends a different copy of Process, so import Process from 'hypernode' or '@hypernode/core' (not a relative path or another installation)"
    : "; write 'export default class MyModule extends Process' with Process imported from 'hypernode' or '@hypernode/core'";
  return new HypernodeError('MODULE_INVALID', `Module file '${file}' exports no class extending Process (it exports ${what})${hint}.`);
}

function extendsOtherProcess(value: unknown, Process: Function): boolean {
  if (typeof value !== 'function') return false;
  for (let parent = Object.getPrototypeOf(value); typeof parent === 'function'; parent = Object.getPrototypeOf(parent)) {
    if (parent === Process) return false;
    if (parent.name === 'Process') return true;
  }
  return false;
}

/** Inserts the module-name record before the inline source map, so source lines stay mapped. */
function withNames(code: string, names: Record<string, string>): string {
  const line = `module.${NAMES_KEY} = ${JSON.stringify(names)};\n`;
  const at = code.lastIndexOf(SOURCE_MAP_PREFIX);
  if (at === -1) return `${code}${code.endsWith('\n') ? '' : '\n'}${line}`;
  return `${code.slice(0, at + 1)}${line}${code.slice(at + 1)}`;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return `${describeValue(error)} ${JSON.stringify(String(error))}`;
}

/** ` (at file:line:col)` for the error's first frame in the bundle, mapped to the original source. */
function where(error: unknown, code: string, origin: string): string {
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  const escaped = origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  if (frame === null) return '';
  const line = Number(frame[1]);
  const column = Number(frame[2]);
  const mapped = originalPosition(code, line, column);
  if (mapped === undefined) return ` (at ${origin}:${line}:${column})`;
  const file = resolvePath(dirname(origin), mapped.source);
  return ` (at ${file}:${mapped.line}:${mapped.column})`;
}

/** Maps a 1-based position in the bundle to the original source through the inline source map. */
function originalPosition(
  code: string,
  line: number,
  column: number,
): { source: string; line: number; column: number } | undefined {
  const match = /\n\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (match === null) return undefined;
  try {
    const map = new SourceMap(JSON.parse(Buffer.from(match[1]!, 'base64').toString('utf8')));
    const entry = map.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) {
      return undefined;
    }
    return { source: entry.originalSource, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
  } catch {
    return undefined;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') {
    return /^class[\s{]/.test(Function.prototype.toString.call(value))
      ? `class ${value.name || '(anonymous)'}`
      : `function ${value.name || '(anonymous)'}`;
  }
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
