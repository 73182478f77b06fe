import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';

/**
 * No answer leaves before what it reports is on disk: every response waits for `store.sync()`
 * before its last bytes are written (store.ts: the second point of no return). One sync covers
 * every write the request made — the journal record's outcome, the visit's new state, the
 * Idempotency-Key's stored answer, the audit entry — where each used to wait for its own fsync.
 * If the disk fails, the connection is cut instead: the HIS sees no answer (an unknown outcome,
 * which it resolves by asking again with the same Idempotency-Key), never a 2xx the store may lose.
 */
export function durableAnswers(store: Pick<Store, 'sync'>, logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const end = res.end.bind(res) as (...a: unknown[]) => Response;
    res.end = ((...args: unknown[]) => {
      store.sync().then(
        () => end(...args),
        (e: Error) => {
          logger.error({ request_id: req.id, err: e.message }, 'store sync failed: the answer is withheld and the connection closed');
          res.destroy();
        },
      );
      return res;
    }) as Response['end'];
    next();
  };
}
