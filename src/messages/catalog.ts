/**
 * The notice catalogues: one JSON file per locale in ./locales (ICU MessageFormat strings, formatted with
 * intl-messageformat), read once at start. Adding a language is adding a file; a key it lacks falls back to English.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { IntlMessageFormat } from 'intl-messageformat';

export const DEFAULT_LOCALE = 'en';
const DIR = new URL('./locales/', import.meta.url);

type Catalogue = Readonly<Record<string, string>>;

function load(): ReadonlyMap<string, Catalogue> {
  const out = new Map<string, Catalogue>();
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()) {
    out.set(file.slice(0, -'.json'.length), JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Catalogue);
  }
  return out;
}

const CATALOGUES = load();

/** The locales there are catalogues for, English first: `['en', 'zh-CN']`. */
export const LOCALES: readonly string[] = [DEFAULT_LOCALE, ...[...CATALOGUES.keys()].filter((l) => l !== DEFAULT_LOCALE)];

export function isLocale(value: string): boolean {
  return CATALOGUES.has(value);
}

/** A locale's own name for itself (`简体中文`). */
export function localeName(locale: string): string {
  return CATALOGUES.get(locale)?.name ?? locale;
}

/** The raw strings of a locale (tests compare catalogues key by key). */
export function catalogue(locale: string): Catalogue {
  return CATALOGUES.get(locale) ?? {};
}

export type Values = Record<string, string | number>;
/** Formats the message `key` with `values`. */
export type Translate = (key: string, values?: Values) => string;

const compiled = new Map<string, IntlMessageFormat>();

/** The translator of `locale` (an unknown one is English): compiled messages are cached. */
export function translator(locale: string): Translate {
  const own = CATALOGUES.get(locale) ?? {};
  const english = CATALOGUES.get(DEFAULT_LOCALE) ?? {};
  const lang = CATALOGUES.has(locale) ? locale : DEFAULT_LOCALE;
  return (key, values = {}) => {
    const source = own[key] !== undefined ? lang : DEFAULT_LOCALE;
    const text = own[key] ?? english[key];
    if (text === undefined) throw new Error(`no message "${key}" in the catalogues`);
    const id = `${source}\u0000${key}`;
    let m = compiled.get(id);
    if (!m) {
      m = new IntlMessageFormat(text, source);
      compiled.set(id, m);
    }
    return String(m.format(values));
  };
}
