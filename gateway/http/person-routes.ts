import { Router } from 'express';
import type { Ops } from './openapi.js';
import type { PersonQueryRequest } from '../generated/api/person-query.request.js';
import type { AppDeps } from './deps.js';
import { handle, meta } from './handler.js';

export function personRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  /** 1101 with insurance, cross-region scope and filing status; 人卡一致 when counter_person is given. */
  r.post(
    '/persons/query',
    handle(200, 'person.response', async (req) => {
      const q = d.schemas.checkApi<PersonQueryRequest>('person-query.request', req.body);
      const m = meta(req);
      const person = await d.persons.lookup(q, { request_id: m.request_id }, { ...m, channel: 'person_query' });
      const today = new Date().toISOString().slice(0, 10);
      return d.persons.view(person, today, undefined, !!q.counter_person);
    }),
  );
  return r;
}

export const personOps: Ops = {
  '/v1/persons/query': {
    post: {
      id: 'queryPerson',
      tag: 'person',
      zh: '人员信息查询（1101）及人卡一致核验',
      response: 'person.response',
      summary: 'Person lookup with insurance, cross-region scope and filing status; 人卡一致 check',
      infno: '1101',
      body: 'person-query.request',
      status: 200,
    },
  },
};
