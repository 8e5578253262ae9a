/** Numeric settings from the environment, shared by the benchmarks. */

/** A setting the user got wrong: reported as one line, without a stack. */
export class SettingError extends Error {}

export function setting(name: string, fallback: number, integer: boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new SettingError(`${name} must be a positive ${integer ? 'integer' : 'number'} (got ${JSON.stringify(raw)}); unset it to use ${fallback}`);
  }
  return value;
}
