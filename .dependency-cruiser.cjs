/**
 * House rules the build enforces (issue 17): the layers of the gateway and what each may import.
 * Run by `npm run check:boundaries`, part of `npm test`. docs/architecture.md explains the layers.
 *
 * Layers, lowest first; a module may import its own layer and any lower one, never a higher one:
 *
 *   adapters/            pure translations: HIS/POS -> canonical, canonical -> platform message,
 *                        reply -> result, envelope, msgid, the transport port and its profiles
 *   shared               gateway/errors/ (the catalog), gateway/store/ (the Store port and its two
 *                        backends), gateway/logger.ts, gateway/paths.ts, gateway/privacy.ts (the personal-data list), gateway/validation.ts (ajv)
 *   gateway/engine/      the transaction engine: journal, encounter state, settlement flows
 *   gateway/resilience/  circuit breaker, reversal worker, store-and-forward
 *   edge                 gateway/http/ (express), gateway/auth/ (API clients, roles, signatures),
 *                        gateway/metrics.ts (prom-client, an express middleware), gateway/config.ts
 *                        (environment -> settings; the layers below get their settings as arguments)
 *   composition          gateway/server.ts (the one place the graph is built), gateway/main.ts,
 *                        gateway/demo.ts, gateway/cli/
 *
 * gateway/generated/ stands outside the order: types derived from schemas/ by `npm run gen:types`,
 * the contract every layer (and the mock) shares; type-only and import nothing.
 */

const ADAPTERS = '^adapters/';
const GENERATED = '^gateway/generated/';
const SHARED = ['^gateway/(errors|store)/', '^gateway/(logger|paths|privacy|validation)\\.ts$'];
const ENGINE = '^gateway/engine/';
const RESILIENCE = '^gateway/resilience/';
const HTTP = '^gateway/http/';
const EDGE_BESIDE_HTTP = ['^gateway/auth/', '^gateway/(metrics|config)\\.ts$'];
const EDGE = [HTTP, ...EDGE_BESIDE_HTTP];
const COMPOSITION = ['^gateway/cli/', '^gateway/(server|main|demo)\\.ts$'];
/** The transport port's implementations (http-transport.ts, the shared HTTP mechanics; tif-, jilin-transport.ts): the I/O edge of adapters/. */
const TRANSPORT_PROFILES = '^adapters/platform/[^/]+-transport\\.ts$';

// not anchored at ^: with a symlinked node_modules (a second worktree) the resolved path is ../…/node_modules/…
const npm = (...names) => `(^|/)node_modules/(${names.join('|')})/`;
const core = (...names) => `^(node:)?(${names.join('|')})(/|$)`;

module.exports = {
  forbidden: [
    // ---- layers ------------------------------------------------------------------------------
    {
      name: 'adapters-import-no-gateway',
      comment:
        'adapters/ are pure translations below everything in gateway/: they import each other, npm libraries and ' +
        'gateway/generated/ (the types derived from schemas/, the shared contract) — nothing else from gateway/, ' +
        'so no store, no engine, no logger, no config (settings come in as arguments).',
      severity: 'error',
      from: { path: ADAPTERS },
      to: { path: '^gateway/', pathNot: GENERATED },
    },
    {
      name: 'shared-below-engine',
      comment:
        'gateway/errors, gateway/store, logger.ts, paths.ts and validation.ts are the shared lower layer the engine ' +
        'and everything above use; they import no engine, resilience, HTTP, auth, metrics, config or composition code.',
      severity: 'error',
      from: { path: SHARED },
      to: { path: [ENGINE, RESILIENCE, ...EDGE, ...COMPOSITION] },
    },
    {
      name: 'engine-below-resilience',
      comment:
        'gateway/engine is the transaction engine: it knows the transport port (adapters/platform/transport.ts), ' +
        'not the breaker, the reversal worker or store-and-forward that resilience wraps around it; and it never ' +
        'imports HTTP, auth, metrics, config or the composition root.',
      severity: 'error',
      from: { path: ENGINE },
      to: { path: [RESILIENCE, ...EDGE, ...COMPOSITION] },
    },
    {
      name: 'resilience-below-http',
      comment:
        'gateway/resilience (breaker, reversal worker, store-and-forward) drives the engine and the transport; it ' +
        'never imports HTTP, auth, metrics, config or the composition root.',
      severity: 'error',
      from: { path: RESILIENCE },
      to: { path: [...EDGE, ...COMPOSITION] },
    },
    {
      name: 'edge-below-composition',
      comment:
        'The edge (gateway/http, gateway/auth, metrics.ts, config.ts) is built and wired by the composition root ' +
        '(server.ts, main.ts, demo.ts, cli/) and never imports it; only the root knows every part.',
      severity: 'error',
      from: { path: EDGE },
      to: { path: COMPOSITION },
    },
    {
      name: 'auth-metrics-config-below-http',
      comment:
        'gateway/auth, metrics.ts and config.ts are used by the HTTP layer (and the composition root) and import ' +
        'nothing from gateway/http: the request path is assembled in gateway/http/app.ts, not around it.',
      severity: 'error',
      from: { path: EDGE_BESIDE_HTTP },
      to: { path: HTTP },
    },

    // ---- libraries that belong to one layer ------------------------------------------------------
    {
      name: 'core-free-of-frameworks',
      comment:
        'gateway/engine and adapters/ stay free of the HTTP framework (express, helmet, express-rate-limit), the ' +
        'store drivers (lmdb, ioredis), the breaker (opossum) and metrics (prom-client): those live in gateway/http, ' +
        'gateway/store, gateway/resilience and gateway/metrics.ts, so the engine and the mappers can be run and ' +
        'tested on plain values. (axios: see axios-only-in-transport-profiles.)',
      severity: 'error',
      from: { path: [ENGINE, ADAPTERS] },
      to: { path: npm('express', 'express-rate-limit', 'helmet', 'lmdb', 'ioredis', 'opossum', 'prom-client') },
    },
    {
      name: 'axios-only-in-transport-profiles',
      comment:
        'axios is the HTTP client of the transport profiles: only adapters/platform/<name>-transport.ts (today ' +
        'http-transport.ts, the mechanics every profile shares), the implementations of the PlatformTransport port, may import it. Everything else talks ' +
        'to the platform through the port (adapters/platform/transport.ts), picked by adapters/platform/transports.ts.',
      severity: 'error',
      from: { pathNot: TRANSPORT_PROFILES },
      to: { path: npm('axios') },
    },
    {
      name: 'adapters-no-io-but-transport',
      comment:
        'adapters/ are functions of their input (functional core): no files, sockets or processes. Only the ' +
        'transport profiles open connections (node:http, node:https).',
      severity: 'error',
      from: { path: ADAPTERS, pathNot: TRANSPORT_PROFILES },
      to: {
        dependencyTypes: ['core'],
        path: core('fs', 'http', 'https', 'http2', 'net', 'tls', 'dgram', 'dns', 'child_process', 'worker_threads', 'cluster'),
      },
    },
    {
      name: 'store-drivers-only-in-store',
      comment:
        'lmdb and ioredis are the drivers of the two Store backends; only gateway/store/ imports them. Everything ' +
        'else goes through the Store port (gateway/store/store.ts).',
      severity: 'error',
      from: { pathNot: '^gateway/store/' },
      to: { path: npm('lmdb', 'ioredis') },
    },
    {
      name: 'store-backends-only-in-composition',
      comment:
        'Which backend (lmdb-store.ts or redis-store.ts) is chosen by the composition root (gateway/server.ts) ' +
        'from the config; the engine, resilience and HTTP layers see only the Store interface. The backup tool ' +
        '(gateway/cli/store.ts), a composition root of its own, opens an lmdb directory itself.',
      severity: 'error',
      from: { pathNot: ['^gateway/server\\.ts$', '^gateway/store/', '^gateway/cli/store\\.ts$'] },
      to: { path: '^gateway/store/(lmdb|redis)-store\\.ts$' },
    },

    // ---- the mock platform is a separate program -----------------------------------------------
    {
      name: 'product-imports-no-mocks',
      comment:
        'Nothing under gateway/ or adapters/ imports mocks/: the product must run against a real platform with the ' +
        'mock absent. One exception: gateway/demo.ts, the launcher of `npm run demo`, is a composition root that ' +
        'starts the mock beside the gateway on purpose (and says so in its log).',
      severity: 'error',
      from: { path: ['^gateway/', ADAPTERS], pathNot: '^gateway/demo\\.ts$' },
      to: { path: '^mocks/' },
    },
    {
      name: 'mocks-stand-alone',
      comment:
        'mocks/ is a stand-alone settlement platform: it shares only the contract with the gateway (the types ' +
        'generated from schemas/), never its code, so that the two cannot be wrong the same way and pass.',
      severity: 'error',
      from: { path: '^mocks/' },
      to: { path: ['^gateway/', ADAPTERS], pathNot: GENERATED },
    },

    // ---- graph hygiene -------------------------------------------------------------------------
    {
      name: 'no-circular',
      comment:
        'No import circles, type-only imports included (tsPreCompilationDeps): a circle means two files are one ' +
        'concern or a type sits in the wrong file — move the shared part into a file both import ' +
        '(as AppDeps moved to gateway/http/deps.ts).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment:
        'A module nothing imports and that imports nothing is likely dead. The console page script ' +
        '(gateway/console/console.js) is loaded by the browser, not imported; mocks/platform/sample-inputs.ts ' +
        'is imported by the mock test files only (test/ is not cruised).',
      severity: 'error',
      from: { orphan: true, pathNot: ['^gateway/console/', '^mocks/platform/sample-inputs\\.ts$', GENERATED] },
      to: {},
    },
    // Unresolvable imports are left to tsc (npm run typecheck runs first in npm test).
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // type-only imports count: a circle of `import type` is still a circle of concerns
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
