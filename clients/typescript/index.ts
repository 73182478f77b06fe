/**
 * A typed client of the gateway's HIS API for an HIS vendor written in TypeScript: openapi-fetch over
 * the types openapi-typescript generates from GET /openapi.json (openapi.d.ts, `npm run gen:client`).
 * Paths, path parameters, request bodies and answers are checked by the compiler:
 *
 *   const yidi = createYidiClient('https://gateway.example', process.env.YIDI_API_KEY);
 *   const { data, error } = await yidi.POST('/v1/outpatient/visits', { body: {...}, headers: { 'Idempotency-Key': key } });
 *   // data: the registered visit (201); error: the catalog error body (docs/errors.md)
 */
import createClient from 'openapi-fetch';
import type { paths } from './openapi.js';

export type { components, operations, paths } from './openapi.js';

export function createYidiClient(baseUrl: string, apiKey: string) {
  return createClient<paths>({ baseUrl, headers: { 'x-api-key': apiKey } });
}

export type YidiClient = ReturnType<typeof createYidiClient>;
