// @ts-check
/* global setInterval, clearInterval, setTimeout */
/**
 * Loaded into every Node child of the supervisor with `--import` (through NODE_OPTIONS), so it
 * runs before the child's own code. It ends the child when the supervisor is gone, even when the
 * supervisor died by SIGKILL and could not stop anyone: no dev server is left holding its port.
 *
 * Plain JavaScript on purpose: Node loads it before any TypeScript loader could run, from `src/`
 * in tests and from `dist/` when built. The check is one kill(pid, 0) every half second on an
 * unref'd timer: it costs nothing and never keeps the child alive.
 */
const supervisor = Number(process.env.AMW_SUPERVISOR_PID);
const everyMs = Number(process.env.AMW_ORPHAN_GUARD_INTERVAL_MS) || 500;
const graceMs = Number(process.env.AMW_ORPHAN_GUARD_GRACE_MS) || 3000;

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

if (Number.isInteger(supervisor) && supervisor > 0 && supervisor !== process.pid) {
  const timer = setInterval(() => {
    if (alive(supervisor)) return;
    clearInterval(timer);
    process.stderr.write(`orphan guard: supervisor ${supervisor} is gone; stopping process ${process.pid}\n`);
    // SIGTERM first so the child's graceful shutdown closes its pools; exit regardless after the grace.
    setTimeout(() => process.exit(1), graceMs).unref();
    process.kill(process.pid, 'SIGTERM');
  }, everyMs);
  timer.unref();
}
