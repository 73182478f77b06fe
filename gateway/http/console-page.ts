import express, { Router, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { catalog } from '../errors/errors.js';
import { projectPath } from '../paths.js';

/** The page's static files (index.html, console.js, console.css): beside the sources, and copied into the image. */
const PAGE_DIR = projectPath('gateway/console');
/**
 * The page's component library (issue 15): htm's ES-module build bundled with Preact (preact,
 * hooks, html), one file with no imports of its own, served from the installed package — exactly
 * this file, never a CDN.
 */
const VENDOR: Record<string, string> = {
  'htm-preact.js': projectPath('node_modules/htm/preact/standalone.module.js'),
};

/**
 * The insurance office's console page (医保办失败交易处理台): static files at GET /console and
 * /console/..., public because they hold no data (gateway/auth/access.ts). Everything the page
 * shows comes from /v1/console/... with the key the staff member types in.
 *
 * Content-Security-Policy: helmet's default (scripts and styles from 'self' only, no inline script,
 * no eval, no framing) WITHOUT `upgrade-insecure-requests`: the gateway is often reached on the
 * hospital LAN over plain HTTP (http://gateway:8080/console), where that directive would make the
 * browser ask for the page's own script, stylesheet and API calls over https and break the page.
 */
export function consolePage() {
  const r = Router({ caseSensitive: true });
  r.use('/console', helmet.contentSecurityPolicy({ directives: { upgradeInsecureRequests: null } }));
  // Cross-Origin-Opener-Policy takes effect over HTTPS only; over the LAN's plain HTTP the browser
  // ignores it and says so as a console error on every load (issue 15: the page shows none): sent
  // only where it counts.
  r.use('/console', (req: Request, res: Response, next: NextFunction) => {
    if (!req.secure) res.removeHeader('Cross-Origin-Opener-Policy');
    next();
  });
  r.get('/console', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('cache-control', 'no-cache');
    res.sendFile('index.html', { root: PAGE_DIR }, (e) => e && next(e));
  });
  // the catalog's Chinese message, action and category per code, so the list can say what an error
  // code means (the same data as docs/errors.md; one source: gateway/errors/catalog.json)
  const messages = Object.fromEntries(
    [...catalog.values()].map((e) => [
      e.code,
      { message: e.message, message_en: e.message_en, category: e.category, action: e.action, action_en: e.action_en },
    ]),
  );
  r.get('/console/error-catalog.json', (_req: Request, res: Response) => {
    res.setHeader('cache-control', 'no-cache');
    res.json(messages);
  });
  r.get('/console/vendor/:file', (req: Request, res: Response, next: NextFunction) => {
    const file = VENDOR[req.params.file as string];
    if (!file) return next();
    res.setHeader('cache-control', 'no-cache');
    res.type('text/javascript; charset=utf-8');
    res.sendFile(file, (e) => e && next(e));
  });
  r.use('/console', express.static(PAGE_DIR, { index: false, redirect: false, dotfiles: 'ignore', cacheControl: true, maxAge: 0 }));
  return r;
}
