/**
 * Preloaded (`--import`) into every daemon a test starts (test-support.ts's DaemonProcess): when the test process
 * that spawned it is gone (vitest ended or killed its fork, or the run was interrupted), the daemon gets SIGTERM, so
 * it stops as it would at Ctrl-C instead of heartbeating for a test cluster nobody cleans up. SIGKILL follows if it
 * has not exited 20 s later. The timers are unref'd: a daemon that ends on its own (`--help`) is not held up.
 */
const parent = process.ppid;

function parentGone(): boolean {
  try {
    process.kill(parent, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const watch = setInterval(() => {
  if (!parentGone()) return;
  clearInterval(watch);
  process.stderr.write(`hypernode test daemon (pid ${process.pid}): the test process that started it (pid ${parent}) is gone; stopping.\n`);
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 20_000).unref();
  process.kill(process.pid, 'SIGTERM');
}, 500);
watch.unref();

export {};
