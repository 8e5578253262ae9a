export { FAULT_BODY, createColortellerApp, createControlApp, type ColortellerDeps, type ControlDeps } from './app.js';
export { readColortellerConfig, segmentName, type ColortellerConfig } from './config.js';
export { FaultInputError, FaultSwitch, MAX_DELAY_MS, describeFault, parseFault, type Fault } from './fault.js';
