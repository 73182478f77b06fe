import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless, for the page tests (the console, the printed slips): nothing of its
 * own on the network, and `host` resolved to 127.0.0.1 inside the browser only — so a request to any
 * other host is an external fetch the test can see fail.
 */
export function launchChromium(host: string): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      `--host-resolver-rules=MAP ${host} 127.0.0.1`,
    ],
  });
}
