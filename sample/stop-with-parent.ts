/**
 * `npm run sample` starts the app under `sh -c`: a signal sent to the npm process stops npm and
 * the shell, which does not pass it on, and the app would be left holding its port. So the app
 * closes and exits when the process that started it is gone (it is then re-parented).
 */
export function stopWithParent(close: () => Promise<void>): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    close().finally(() => process.exit(0));
  }, 250);
  timer.unref();
}
