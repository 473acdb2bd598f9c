/**
 * Keeps passwords out of messages. Driver and parser errors sometimes quote the URL they were given, and a
 * MongoDB or SMTP URL can carry a password (or, in its query, a token).
 */

const MASK = '***';

/** `scheme://user:password@` anywhere in `text` becomes `scheme://user:***@`. */
export function redactUrlPasswords(text: string): string {
  // Greedy up to the last "@" of the URL: a password may itself hold an unescaped "@".
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]*:)[^\s"'<>]*@/gi, `$1${MASK}@`);
}

/** The parts of a URL that must not be shown: the whole URL, its password (as written and decoded), its query. */
function urlSecrets(url: string): string[] {
  const out = [url];
  const scheme = url.indexOf('://');
  const at = url.lastIndexOf('@');
  if (scheme >= 0 && at > scheme) {
    const userinfo = url.slice(scheme + 3, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      // Where the password ends is ambiguous when it holds an unescaped "@": take every reading.
      const full = userinfo.slice(colon + 1);
      for (const password of new Set([full, full.replace(/@+$/, ''), full.split('@')[0]!])) {
        out.push(password);
        try {
          out.push(decodeURIComponent(password));
        } catch {
          // not percent-encoded text; the raw form is enough
        }
      }
    }
  }
  const q = url.indexOf('?');
  if (q >= 0 && q < url.length - 1) out.push(url.slice(q + 1));
  return out.filter((s) => s.length >= 3);
}

/** `url` with its password masked and its query dropped, safe to print. */
export function safeUrl(url: string): string {
  const withoutQuery = url.replace(/\?.*$/s, '');
  return redactUrlPasswords(withoutQuery);
}

/** `text` with every secret part of `url` masked (longest first, so a password inside the URL goes too). */
export function redactUrl(text: string, url: string): string {
  let out = text;
  for (const s of urlSecrets(url).sort((a, b) => b.length - a.length)) out = out.split(s).join(s === url ? safeUrl(url) : MASK);
  return redactUrlPasswords(out);
}
