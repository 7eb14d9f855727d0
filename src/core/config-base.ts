/**
 * Config is a schema: every setting has a name, an env var, a default, a description and a parser.
 * Modules declare their settings with `defineSettings`; `config.ts` gathers them and loads them all at
 * once, listing every problem instead of stopping at the first.
 */

export interface SettingDef<T> {
  /** Environment variable; the design's names stay as they are (MODEL_VERSION, REGISTRY_DIR...). */
  readonly env: string;
  readonly default: T;
  readonly description: string;
  /** Turns the raw string into a value or throws an Error whose message names the rule. */
  readonly parse: (raw: string) => T;
  /** Hidden from `defasagem config` output (secrets). */
  readonly secret?: boolean;
}

export type SettingsSchema = Record<string, SettingDef<unknown>>;
// The parser's return type, not the default's: a default of '' must not narrow the setting to ''.
export type SettingsOf<S extends SettingsSchema> = { -readonly [K in keyof S]: ReturnType<S[K]['parse']> };

export function defineSettings<const S extends SettingsSchema>(schema: S): S {
  return schema;
}

export const parsers = {
  string: (raw: string): string => raw.trim(),
  int:
    (min: number, max: number) =>
    (raw: string): number => {
      const n = Number(raw.trim());
      if (!Number.isInteger(n) || n < min || n > max)
        throw new Error(`must be an integer from ${min} to ${max}`);
      return n;
    },
  number:
    (min: number, max: number) =>
    (raw: string): number => {
      const n = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max)
        throw new Error(`must be a number from ${min} to ${max}`);
      return n;
    },
  bool: (raw: string): boolean => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
    throw new Error('must be true or false');
  },
  oneOf:
    <const T extends string>(values: readonly T[]) =>
    (raw: string): T => {
      const v = raw.trim() as T;
      if (!values.includes(v)) throw new Error(`must be one of: ${values.join(', ')}`);
      return v;
    },
  list: (raw: string): string[] =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
};
