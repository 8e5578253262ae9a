export {
  SupervisorError,
  supervise,
  type ExitRecord,
  type ProcessGroup,
  type ProcessSpec,
  type SupervisedProcess,
  type SuperviseOptions,
  type SupervisorEvent,
} from './supervise.js';
export { createConsoleReporter, type ReporterOptions } from './reporter.js';
export { colourCode, colourEnabled, paint } from './colour.js';
export { describeCheck, probe, waitUntilReady, type ReadinessCheck } from './readiness.js';
export { ORPHAN_GUARD_PATH, ORPHAN_GUARD_URL, guardEnv } from './guard.js';
export { processAlive } from './alive.js';
