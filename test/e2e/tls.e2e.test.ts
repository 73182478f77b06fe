import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, tmpDir, useTlsIdentity, writeTestClientsFile } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { readyVisit, settle } from './resilience-fixtures.js';

/**
 * Issue 20: the listener over TLS (TLS_CERT_FILE / TLS_KEY_FILE) and a HIS that authenticates with
 * a client certificate instead of an API key (mutual TLS, cert_fingerprints_sha256 in the clients
 * file), mapped to the his role. The certificates are made here with the openssl CLI, for this run
 * only (TEST FIXTURES: nothing is committed).
 */
const dir = tmpDir('tls');
function selfSigned(name: string, cn: string) {
  const key = path.join(dir, `${name}.key`);
  const crt = path.join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      crt,
    ],
    { stdio: 'ignore' },
  );
  chmodSync(key, 0o600);
  return { keyFile: key, certFile: crt, key: readFileSync(key, 'utf8'), cert: readFileSync(crt, 'utf8') };
}
const server = selfSigned('server', '127.0.0.1');
const his = selfSigned('his', 'his-tls');
const stranger = selfSigned('stranger', 'his-tls');
const hisFingerprint = new X509Certificate(his.cert).fingerprint256;

const clientsFile = writeTestClientsFile(dir, [{ id: 'his-tls', role: 'his', cert_fingerprints_sha256: [hisFingerprint] }]);
const sys = mockAndGateway({ TLS_CERT_FILE: server.certFile, TLS_KEY_FILE: server.keyFile, API_CLIENTS_FILE: clientsFile });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TLS on the listener, client certificates for the HIS (issue 20)', () => {
  beforeAll(() => {
    expect(sys.gw.url).toMatch(/^https:/);
  });

  it('the HIS registers and settles a visit authenticated by its client certificate alone (no API key sent), as client his-tls', async () => {
    useTlsIdentity(sys.gw.url, { ca: server.cert, cert: his.cert, key: his.key, sendApiKey: false });
    try {
      const v = await readyVisit(sys.gw.url);
      const s = await settle(sys.gw.url, v.id);
      expect(s.status, s.text).toBe(201);
      // the role is his: staff endpoints stay closed to it
      const staffOnly = await api(sys.gw.url, 'GET', '/v1/transactions');
      expect(staffOnly.status, staffOnly.text).toBe(403);
      expect(sys.gw.logs.text).toContain('"client":"his-tls"');
    } finally {
      useTlsIdentity(sys.gw.url, undefined);
    }
  });

  it('a certificate no client pins is refused with 401 (same subject, other key); without certificate or key, 401; an API key over TLS still works', async () => {
    useTlsIdentity(sys.gw.url, { ca: server.cert, cert: stranger.cert, key: stranger.key, sendApiKey: false });
    const wrong = await api(sys.gw.url, 'POST', '/v1/persons/query', { mdtrt_cert_type: '01', mdtrt_cert_no: 'X' });
    expect(wrong.status, wrong.text).toBe(401);
    expect(wrong.body.error).toMatchObject({ code: 'GW_SEC_UNAUTHENTICATED', details: { reason: 'unknown_certificate' } });
    useTlsIdentity(sys.gw.url, { ca: server.cert, sendApiKey: false });
    const none = await api(sys.gw.url, 'GET', '/v1/transactions');
    expect(none.status).toBe(401);
    useTlsIdentity(sys.gw.url, { ca: server.cert });
    const staff = await api(sys.gw.url, 'GET', '/v1/transactions', undefined, {}, { auth: 'staff' });
    expect(staff.status, staff.text).toBe(200);
    useTlsIdentity(sys.gw.url, undefined);
  });

  it('TLS 1.2 at least: a TLS 1.1 client is refused in the handshake; plain HTTP gets no answer', async () => {
    const { port } = new URL(sys.gw.url);
    const old = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: Number(port), ca: server.cert, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
      s.on('secureConnect', () => resolve(`connected ${s.getProtocol()}`));
      s.on('error', (e) => resolve(`refused: ${e.message}`));
    });
    expect(old).toMatch(/^refused/);
    const modern = await new Promise<string | null>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: Number(port), ca: server.cert }, () => {
        resolve(s.getProtocol());
        s.end();
      });
      s.on('error', reject);
    });
    expect(modern).toBe('TLSv1.3');
    const plain = await new Promise<string>((resolve) => {
      const r = request(`http://127.0.0.1:${port}/healthz`, (res) => resolve(`answered ${res.statusCode}`));
      r.on('error', (e) => resolve(`failed: ${e.message}`));
      r.end();
    });
    expect(plain).toMatch(/^failed|answered 400/);
  });
});
