// Waiting in specs for what lands a little after a write (a watch, a controller's work).

/** Polls until `check` passes: what a store's watch brings to an actor, or a controller's work, lands a little after the write. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
