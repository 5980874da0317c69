import fs from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { configSchema, DEFAULT_CONFIG, type PvesecConfig } from './schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads and validates pvesec.yaml; each wrong key becomes one line of the error. */
export function loadConfig(file: string | undefined): PvesecConfig {
  if (!file) {
    if (!fs.existsSync('pvesec.yaml')) return DEFAULT_CONFIG;
    file = 'pvesec.yaml';
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file: string): PvesecConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const line = e.linePos?.[0]?.line;
      throw new ConfigError(`${file}${line ? `:${line}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`);
    }
    throw e;
  }
  if (raw === null || raw === undefined) return DEFAULT_CONFIG;
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const where = i.path.length ? i.path.join('.') : '(top level)';
      if (i.code === 'unrecognized_keys') return `${file}: ${where}: unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      return `${file}: ${where}: ${i.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  return result.data;
}
