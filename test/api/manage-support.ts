/**
 * Helpers for the management API tests: an in-process API on a fresh database, and a check that an answer is one
 * the OpenAPI document promises (its status listed for the route, its body valid against that answer's schema).
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { buildApi, type ApiOptions } from '../../src/api/app.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { freshStore } from '../support/db.js';

export const ADMIN = 'admin-token-manage-0123456789';
export const AUTH = { authorization: `Bearer ${ADMIN}` } as const;
export const JSON_AUTH = { ...AUTH, 'content-type': 'application/json' } as const;

export interface ManageFixture {
  mongo: MongoHandle;
  hosts: HostStore;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The API on a fresh database with the admin token (and generous failure limits unless given). */
export async function manageFixture(options: Partial<ApiOptions> = {}): Promise<ManageFixture> {
  const { mongo, hosts } = await freshStore();
  const app = buildApi({ hosts, adminToken: ADMIN, db: mongo.db, authLimits: { perSource: 10_000, perKey: 10_000, windowMs: 60_000 }, ...options });
  await app.ready();
  return {
    mongo,
    hosts,
    app,
    close: async () => {
      await app.close();
      await mongo.db.dropDatabase();
      await mongo.close();
    },
  };
}

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: { 'application/json': { schema: object } } }> }>> };

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/** Checks answers against the document the API serves. */
export async function documentChecker(app: FastifyInstance): Promise<(method: string, path: string, res: LightMyRequestResponse) => void> {
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as Doc;
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  return (method, path, res) => {
    const op = doc.paths[path]?.[method.toLowerCase()];
    expect(op, `${method} ${path} is in the document`).toBeDefined();
    const answer = op!.responses[String(res.statusCode)];
    expect(answer, `${method} ${path} documents ${res.statusCode} (${res.body})`).toBeDefined();
    const schema = answer!.content?.['application/json'].schema;
    if (!schema) {
      expect(res.body).toBe('');
      return;
    }
    const validate = ajv.compile(schema);
    expect(validate(res.json()), `${method} ${path} ${res.statusCode} body ${res.body}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  };
}
