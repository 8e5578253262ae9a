/**
 * Where each walkthrough listens when the local mesh runs it (`pnpm walkthrough up`, `pnpm dev`):
 * fixed ports, so the guides can print the exact URLs a learner will call. Walkthrough n (in the
 * order of `walkthroughs`) owns ports 20000 + 100·n to 20000 + 100·n + 99; its entries come
 * first, in the order the definition lists them.
 */
import type { Walkthrough } from './walkthrough.js';

export const LOCAL_PORT_BASE = 20000;
export const LOCAL_PORTS_PER_WALKTHROUGH = 100;
/** Ports below base + this are kept for entries; the other ports of a run start here. */
export const LOCAL_ENTRY_PORTS = 10;

export function localPortBase(position: number): number {
  return LOCAL_PORT_BASE + LOCAL_PORTS_PER_WALKTHROUGH * (position + 1);
}

/** The local port of an entry, given the walkthrough's position in `walkthroughs`. */
export function localEntryPort(walkthrough: Walkthrough, position: number, entryName: string): number {
  const index = walkthrough.entries.findIndex((e) => e.name === entryName);
  if (index < 0) throw new Error(`walkthrough ${walkthrough.name} has no entry ${entryName}`);
  if (index >= LOCAL_ENTRY_PORTS) throw new Error(`walkthrough ${walkthrough.name} has more than ${LOCAL_ENTRY_PORTS} entries`);
  return localPortBase(position) + index;
}
