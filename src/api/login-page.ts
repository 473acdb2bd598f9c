import { createHash } from 'node:crypto';

/**
 * The status page's login form, shown at `/` (and at a host page, `hosts/<name>`) when the page is private: no
 * script, one inline style.
 */
const STYLE = `
:root { color-scheme: light dark; }
body { margin:0; font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; display:grid; place-items:center; min-height:100vh; }
form { display:grid; gap:10px; padding:20px; max-width:360px; width:100%; }
h1 { font-size:1.35rem; margin:0; }
input, button { font:inherit; padding:8px 10px; }
#login-error { color:#b42318; margin:0; }
`;

/**
 * A page to return to after signing in, from the form's `next` field: only a host page of this API, as a relative
 * `hosts/<encoded name>` with an optional `?range=`, so the redirect can never leave the site.
 */
export function safeNext(v: string | null | undefined): string | undefined {
  return typeof v === 'string' && /^hosts\/[A-Za-z0-9\-_.!~*'()%]{1,400}(\?range=(24h|7d|30d|90d))?$/.test(v) ? v : undefined;
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** `action`: where the form posts (relative; `login` from `/`, `../login` from a host page); `next`: see safeNext. */
export function loginPageHtml(failed: boolean, opts: { action?: string; next?: string } = {}): string {
  const next = safeNext(opts.next);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hostwatch status: sign in</title>
<style>${STYLE}</style>
</head>
<body>
<form method="post" action="${attr(opts.action ?? 'login')}">
<h1>hostwatch status</h1>
${next ? `<input type="hidden" name="next" value="${attr(next)}">\n` : ''}<label for="token">Viewer token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
${failed ? '<p id="login-error" role="alert">Wrong token.</p>\n' : ''}<button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64');

/** No script at all; the form posts to this origin only. */
export const LOGIN_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${sha256(STYLE)}'`,
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
