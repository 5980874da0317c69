import fs from 'node:fs';
import path from 'node:path';
import { yamlLib } from '../core/lazy-require.js';
import { configSchema, DEFAULT_CONFIG, type PvesecConfig } from './schema.js';
import { AccessMatrixError, loadAccessMatrix } from './access-matrix.js';
import { issueLines, yamlErrorLine, yamlLocator } from './messages.js';
import { fsErrorText } from '../core/fs-errors.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: PvesecConfig;
  /** Absolute path of the file read; undefined = no file, the defaults. */
  file?: string;
  /** true when the file was picked up from the working directory without --config. */
  implicit: boolean;
}

/**
 * Reads and validates pvesec.yaml (the given file, else ./pvesec.yaml when it exists); each wrong
 * key becomes one line of the error. access_matrix is resolved relative to the configuration file
 * and must be a readable, valid access matrix: a control cannot compare with a file it cannot use.
 */
export function loadConfigFile(file: string | undefined): LoadedConfig {
  const implicit = !file;
  if (!file) {
    if (!fs.existsSync('pvesec.yaml')) return { config: DEFAULT_CONFIG, implicit: false };
    file = 'pvesec.yaml';
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read: ${fsErrorText(e)}`);
  }
  const config = parseConfig(text, file);
  if (config.access_matrix !== undefined) {
    const matrix = path.resolve(path.dirname(path.resolve(file)), config.access_matrix);
    try {
      loadAccessMatrix(matrix);
    } catch (e) {
      if (e instanceof AccessMatrixError) throw new ConfigError(`${file}: access_matrix: ${e.message.split('\n').join('; ')}`);
      throw e;
    }
    config.access_matrix = matrix;
  }
  return { config, file: path.resolve(file), implicit };
}

/** The configuration alone (see loadConfigFile). */
export function loadConfig(file: string | undefined): PvesecConfig {
  return loadConfigFile(file).config;
}

/**
 * The one stderr line naming a configuration file read without being asked for (./pvesec.yaml):
 * a working directory must not change an audit silently. A file given with --config is not repeated.
 */
export function configNotice(loaded: LoadedConfig): string | undefined {
  if (!loaded.file || !loaded.implicit) return undefined;
  return `pvesec: using configuration ${loaded.file} (pvesec.yaml of the working directory; --config FILE to choose another)`;
}

/** Parses and validates pvesec.yaml; every problem is one line `file:line: key.path: what is wrong`. */
export function parseConfig(text: string, file: string): PvesecConfig {
  const { LineCounter, parseDocument } = yamlLib();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length) throw new ConfigError(doc.errors.map((e) => yamlErrorLine(file, e)).join('\n'));
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) return DEFAULT_CONFIG;
  // Another kind of file named by mistake: say so without quoting it.
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${file}:${yamlLocator(doc, lineCounter).lineOf([]) ?? 1}: not a pvesec.yaml (expected a YAML mapping of keys such as admin_users, waivers)`);
  }
  const result = configSchema().safeParse(raw);
  if (!result.success) throw new ConfigError(issueLines(file, result.error.issues, yamlLocator(doc, lineCounter)).join('\n'));
  return result.data;
}
