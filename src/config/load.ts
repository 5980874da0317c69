import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { configSchema, DEFAULT_CONFIG, type PvesecConfig } from './schema.js';
import { AccessMatrixError, loadAccessMatrix } from './access-matrix.js';
import { unknownKeys, yamlErrorLine } from './messages.js';
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

export function parseConfig(text: string, file: string): PvesecConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    if (e instanceof YAMLParseError) throw new ConfigError(yamlErrorLine(file, e));
    throw e;
  }
  if (raw === null || raw === undefined) return DEFAULT_CONFIG;
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const where = i.path.length ? i.path.join('.') : '(top level)';
      if (i.code === 'unrecognized_keys') return `${file}: ${where}: ${unknownKeys(i.keys)}`;
      return `${file}: ${where}: ${i.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  return result.data;
}
