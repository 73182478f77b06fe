/**
 * What an HIS vendor takes away, generated from the document the gateway serves (issue 14 point 4;
 * `npm run gen:client`): the document itself (docs/openapi.json), the TypeScript types of a typed
 * client (clients/typescript/openapi.d.ts, openapi-typescript; clients/typescript/index.ts wraps
 * openapi-fetch around them) and a Postman collection (docs/yidi-gateway.postman_collection.json,
 * openapi-to-postmanv2; Apifox imports it too). test/e2e/typed-client.e2e.test.ts fails when any of
 * them differs from what the served document gives.
 */
import { writeFileSync } from 'node:fs';
import { apiDocument } from '../gateway/http/app.js';
import { projectPath } from '../gateway/paths.js';
import { Schemas } from '../gateway/validation.js';
import { clientTypes, postmanCollection } from './contract-artifacts.js';

const doc = await apiDocument(new Schemas());
writeFileSync(projectPath('docs/openapi.json'), `${JSON.stringify(doc, null, 2)}\n`);
writeFileSync(projectPath('clients/typescript/openapi.d.ts'), await clientTypes(doc));
writeFileSync(projectPath('docs/yidi-gateway.postman_collection.json'), `${JSON.stringify(await postmanCollection(doc), null, 2)}\n`);
console.log('wrote docs/openapi.json, clients/typescript/openapi.d.ts, docs/yidi-gateway.postman_collection.json');
