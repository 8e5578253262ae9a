/**
 * Where the processes a local run starts (`pnpm dev`, `pnpm walkthrough up`, `pnpm dev:direct`)
 * listen. This machine only, unless the developer opts in to every interface: anyone on a shared
 * network could otherwise call the apps, or switch a ColorTeller's faults on.
 */

/** The default: reachable from this machine only. */
export const LOOPBACK = '127.0.0.1';

/** `0.0.0.0`, and `::`, which Node opens dual-stack, so IPv4 callers on loopback still reach it. */
const EVERY_INTERFACE = ['0.0.0.0', '::'];

export class BindAddressError extends Error {}

/**
 * Checks the value of a `--bind-address` option. Only loopback or every interface: the processes
 * call each other, and are probed for readiness, on 127.0.0.1, which a listener on one other
 * interface would not answer.
 */
export function parseBindAddress(raw: string, option = '--bind-address'): string {
  const value = raw.trim();
  if (value === LOOPBACK || EVERY_INTERFACE.includes(value)) return value;
  throw new BindAddressError(
    `${option} must be 127.0.0.1 (this machine only, the default) or 0.0.0.0 or :: (every interface), got "${raw}": ` +
      'the processes reach each other on 127.0.0.1, so a listener on a single other address would cut them off',
  );
}

/** The one line to print on stderr when a run listens beyond loopback; `what` names what is exposed. */
export function exposureWarning(address: string, what: string): string | undefined {
  if (address === LOOPBACK) return undefined;
  return `warning: --bind-address ${address}: ${what} accept connections from the network: anyone who can reach this machine can call them`;
}
