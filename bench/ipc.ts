/**
 * The child side of the bench's IPC: "ready" when listening, "memory" on request (after a full GC
 * when the child runs with --expose-gc, so heap growth is not mistaken for garbage not yet
 * collected), and a clean stop when the bench goes away (the IPC channel closes even when the
 * bench is killed, so no child outlives it).
 */
export function sendReady(info: Record<string, unknown>) {
  process.send?.({ type: 'ready', pid: process.pid, ...info });
}

export function serveIpc(stop: () => Promise<void>) {
  process.on('message', (m: unknown) => {
    const msg = m as { type?: string; id?: number };
    if (msg?.type === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) gc();
      process.send?.({ type: 'memory', id: msg.id, gc: !!gc, ...process.memoryUsage() });
    }
  });
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('disconnect', shutdown);
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
