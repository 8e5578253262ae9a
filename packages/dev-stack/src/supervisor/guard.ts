/** How the supervisor hands its orphan guard (./orphan-guard.mjs) to the processes it starts. */
import { fileURLToPath } from 'node:url';

/** The guard's URL: next to this module both in `src/` and, once built, in `dist/`. */
export const ORPHAN_GUARD_URL = new URL('./orphan-guard.mjs', import.meta.url).href;
export const ORPHAN_GUARD_PATH = fileURLToPath(ORPHAN_GUARD_URL);

/**
 * The environment additions that guard a child: its Node processes (and their Node children,
 * which inherit NODE_OPTIONS) exit when `supervisorPid` disappears.
 */
export function guardEnv(env: NodeJS.ProcessEnv, supervisorPid = process.pid): NodeJS.ProcessEnv {
  const flag = `--import=${ORPHAN_GUARD_URL}`;
  const existing = env.NODE_OPTIONS ?? '';
  return {
    ...env,
    NODE_OPTIONS: existing.includes(flag) ? existing : `${existing} ${flag}`.trim(),
    AMW_SUPERVISOR_PID: String(supervisorPid),
  };
}
