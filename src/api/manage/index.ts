/**
 * The management API (issue 14 point 5): `/api/v1/...` routes behind the admin token, each a thin edge over one
 * operation of src/ops/ (the CLI calls the same ones), with the OpenAPI 3 document at `GET /api/v1/openapi.json`
 * generated from the routes' own schemas (@fastify/swagger), the ones fastify validates requests with. docs/api.md
 * "Management API" is the reader's guide.
 *
 * Adding a module (one per resource: hosts.ts, maintenance.ts, ack.ts, grace.ts, channels.ts, rules.ts):
 * 1. Write `src/api/manage/<resource>.ts` exporting `const <resource>Routes: ManageModule = (app, deps) => {...}`.
 *    Register routes with full paths (`/api/v1/maintenance/:id`) and a `schema` on every one: `tags: ['<resource>']`,
 *    `summary`, `params`/`querystring`/`body` (objects with `additionalProperties: false`), and `response` for every
 *    answer: the success code(s) and `...errorResponses([404, 409], { body: true })` from schemas.ts (the refusals
 *    the route can give; 400/401/429 are always in). Use `nullable: true`, not type lists (OpenAPI 3.0).
 * 2. In the handler call the operation and return plain data. Throw its OpError (ops/errors.ts): the error handler
 *    here answers OP_ERROR_STATUS[code] with `{ error: code, field?, message }`. Bodies the schema refuses are 400
 *    `{ error: "invalid", field, message }` naming the field; bodies are strict JSON (no type coercion, unknown
 *    properties refused); params and querystrings are coerced from their strings.
 * 3. Stores: build them from `deps.db` (the API's database; server.ts passes it). If your module needs one and
 *    `deps.db` is absent (an embedded API), register nothing.
 * 4. Add it to MODULES below (one line), and test it with `app.inject` (test/api/manage-*.test.ts); the document test
 *    (test/api/manage-openapi.test.ts) checks every registered /api/v1 route is in the document.
 * Authentication is done here, before the body is read (onRequest): a module never checks the token. A route with
 * `config: { public: true }` skips it (only the document itself). Handlers of POST/PUT/PATCH/DELETE run one at a
 * time per process (a WriteGate): a module needs no locking of its own.
 */
import swagger from '@fastify/swagger';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from 'mongodb';
import { OP_ERROR_STATUS, OpError } from '../../ops/errors.js';
import type { KnownRules } from '../../store/host-status.js';
import type { HostStore } from '../../store/hosts-store.js';
import { WriteGate } from '../../store/write-gate.js';
import { checkAdmin, type AdminAuth } from './auth.js';
import { hostRoutes } from './hosts.js';
import { methodNotAllowed } from './methods.js';
import { channelRoutes } from './channels.js';
import { ruleRoutes } from './rules.js';
import { maintenanceRoutes } from './maintenance.js';
import { ackRoutes } from './ack.js';
import { graceRoutes } from './grace.js';
import { sendError } from './schemas.js';

/** What every module gets. */
export interface ManageDeps {
  hosts: HostStore;
  /** The database, for modules with stores of their own; absent in an embedded API built without it. */
  db?: Db;
  /** The metric rules as last read (so instances of removed rules are not shown active); undefined without rules. */
  knownRules: () => KnownRules | undefined;
  /** Server clock. */
  now: () => Date;
}

export type ManageModule = (app: FastifyInstance, deps: ManageDeps) => void;

/** The modules, in document order. */
const MODULES: readonly ManageModule[] = [hostRoutes, channelRoutes, ruleRoutes, maintenanceRoutes, ackRoutes, graceRoutes];

export interface ManageOptions extends ManageDeps, AdminAuth {
  bodyLimit: number;
}

// ajv-formats is CommonJS: its function is the default export under NodeNext, `.default` at run time under tsx.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

function ajv(options: AjvOptions): Ajv {
  // `nullable` is OpenAPI's; ajv knows it. strict off: OpenAPI keywords (description, example) are not errors.
  return addFormats(new Ajv({ strict: false, allErrors: false, useDefaults: true, ...options }));
}

/** `/tags/1` -> `tags[1]`, `/until` -> `until`. */
function fieldOf(instancePath: string, child?: string): string {
  const parts = [...instancePath.split('/').slice(1), ...(child !== undefined ? [child] : [])];
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out === '' ? p : `${out}.${p}`), '');
}

interface ValidationItem {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** A schema refusal as `{ field, message }`, naming the field. */
export function validationAnswer(items: readonly ValidationItem[], context: string | undefined): { field: string; message: string } {
  const e = items[0];
  const part = context ?? 'body';
  if (!e) return { field: part, message: `${part} is invalid` };
  if (e.keyword === 'required') {
    const field = fieldOf(e.instancePath, String(e.params.missingProperty));
    return { field, message: `${field} is required` };
  }
  if (e.keyword === 'additionalProperties') {
    const field = fieldOf(e.instancePath, String(e.params.additionalProperty));
    return { field, message: `${field} is not a known field` };
  }
  const field = fieldOf(e.instancePath) || part;
  return { field, message: `${field} ${e.message ?? 'is invalid'}` };
}

/**
 * Fastify's `frameworkErrors` (app.ts): a URL that is not valid percent-encoding, or a path segment over fastify's
 * 100 characters (maxParamLength; longer than any name or tag), is refused before routing: 400 in this API's shape.
 */
export function urlErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const message = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path segment is longer than 100 characters' : 'the URL path is not valid';
  void sendError(reply, 400, 'invalid', message, 'path');
}

async function managePlugin(app: FastifyInstance, options: ManageOptions): Promise<void> {
  const { bodyLimit, adminToken, limiter, ...deps } = options;
  const auth: AdminAuth = { limiter, now: deps.now, ...(adminToken !== undefined && { adminToken }) };
  // Bodies: strict JSON. Params and querystrings are strings: coerced to the schema's types.
  const bodies = ajv({ coerceTypes: false, removeAdditional: false });
  const strings = ajv({ coerceTypes: 'array', removeAdditional: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodies : strings).compile(schema));

  // JSON parsed here (the report route's parser keeps the text for after authentication); an empty body is none.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('body is not valid JSON'), { statusCode: 400, code: 'HOSTWATCH_BAD_JSON' }), undefined);
    }
  });

  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply) => {
    if (err instanceof OpError) return sendError(reply, OP_ERROR_STATUS[err.code], err.code, err.message, err.field);
    if (err.validation) {
      const { field, message } = validationAnswer(err.validation as ValidationItem[], err.validationContext);
      return sendError(reply, 400, 'invalid', message, field);
    }
    if (err.code === 'HOSTWATCH_BAD_JSON') return sendError(reply, 400, 'invalid', 'body is not valid JSON', 'body');
    const status = err.statusCode ?? 500;
    if (status === 413) return sendError(reply, 413, 'payload_too_large', `body must be at most ${bodyLimit} bytes`);
    if (status === 415) return sendError(reply, 415, 'unsupported_media_type', 'Content-Type must be application/json');
    if (status >= 400 && status < 500) return sendError(reply, 400, 'invalid', err.message, 'body');
    req.log.error(err);
    return reply.code(500).send({ error: 'internal_error', message: 'internal error' });
  });

  // Before the body is read: a caller without the token learns nothing from how its body is judged.
  app.addHook('onRequest', async (req, reply) => {
    if ((req.routeOptions.config as { public?: boolean }).public) return;
    const result = await checkAdmin(req, auth);
    if (result === 'ok') return;
    if (typeof result === 'number') {
      reply.header('retry-after', String(result));
      return sendError(reply, 429, 'too_many_attempts', `too many failed authentication attempts; retry after ${result} s`);
    }
    return sendError(reply, 401, 'unauthorized', 'a valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>');
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'hostwatch management API',
        version: '1',
        description: 'Hosts, tags, muting and more, behind the admin token (docs/api.md "Management API"). Every refusal is `{ error, field?, message }`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the ADMIN_TOKEN of the API server' } } },
      security: [{ bearer: [] }],
    },
  });

  const addMethodNotAllowed = methodNotAllowed(app); // 405 with Allow for the methods a path lacks (methods.ts)
  app.get(
    '/api/v1/openapi.json',
    {
      config: { public: true },
      schema: {
        tags: ['meta'],
        summary: 'This document (public: it holds no data)',
        security: [],
        response: { 200: { description: 'the OpenAPI 3.0 document of the management API', type: 'object', additionalProperties: true } },
      },
    },
    async () => app.swagger(),
  );

  // Management writes are rare and by hand: one at a time per process (FerretDB's SQLite backend is one writer; two
  // edits of one host never interleave their read and write). Reads are not queued.
  const writes = new WriteGate(1);
  app.addHook('onRoute', (route) => {
    if ([route.method].flat().every((m) => m === 'GET' || m === 'HEAD')) return;
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, req, reply) {
      return writes.run(async () => handler.call(this, req, reply));
    };
  });

  for (const module of MODULES) module(app, deps);
  addMethodNotAllowed();
}

/** Registers the management API on `app` (its own validation, body parser and error answers stay inside it). */
export function registerManageApi(app: FastifyInstance, options: ManageOptions): void {
  void app.register(managePlugin, options);
}
