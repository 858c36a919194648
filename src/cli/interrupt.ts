/**
 * Runs `fn` with a signal that the first Ctrl-C (SIGINT) aborts, so that it can stop and clean up; a second
 * Ctrl-C exits at once with 130.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>, notice: string): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${notice} (Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
