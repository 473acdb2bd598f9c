/**
 * Methods a management path does not have: 405 Method Not Allowed with `Allow` (RFC 9110), and OPTIONS answered
 * 204 with `Allow`. Fastify itself answers 404 for them (400 for a QUERY without Content-Type), which the document
 * promises nowhere; the fuzz (test/api/manage-fuzz.test.ts) checks both. These routes are hidden from the document.
 * After authentication, like every management route.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';

/**
 * Starts collecting the methods of every `/api/v1/` route registered on `app` from now on; call the returned
 * function once they are all registered, to add the 405 (and OPTIONS) routes.
 */
export function methodNotAllowed(app: FastifyInstance): () => void {
  const paths = new Map<string, Set<string>>();
  let adding = false; // onRoute runs as each route is added: the 405 routes themselves are not collected
  app.addHook('onRoute', (route) => {
    if (adding || !route.url.startsWith('/api/v1/')) return;
    const methods = paths.get(route.url) ?? new Set<string>();
    for (const m of [route.method].flat()) methods.add(m.toUpperCase());
    paths.set(route.url, methods);
  });
  return () => {
    adding = true;
    for (const [url, methods] of paths) {
      // Routes of the same path outside this plugin (GET /api/v1/hosts is app.ts's).
      for (const m of app.supportedMethods) if (app.hasRoute({ method: m as HTTPMethods, url })) methods.add(m);
      if (methods.has('GET')) methods.add('HEAD');
      const allow = [...methods].sort().join(', ');
      const refuse = async (req: FastifyRequest, reply: FastifyReply) => {
        reply.header('allow', allow);
        if (req.method === 'OPTIONS') return reply.code(204).send();
        return reply.code(405).send({ error: 'method_not_allowed', message: `${req.method} is not a method of ${url.replace(/:(\w+)/g, '{$1}')}; it has ${allow}` });
      };
      const others = app.supportedMethods.filter((m) => !methods.has(m)) as HTTPMethods[];
      // Answered in onRequest (after the admin token check): before fastify judges a body the route never reads.
      app.route({ method: others, url, schema: { hide: true }, onRequest: refuse, handler: refuse });
    }
  };
}
