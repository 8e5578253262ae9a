/**
 * Opt-in fault injection for the mesh resilience demos (retries, timeouts, health checks,
 * outlier detection). A fault is either an error status, a delay, or a delay followed by an
 * error status, applied to a fraction of requests.
 */

export interface Fault {
  /** Status to answer with; `undefined` makes the fault a pure delay before the normal answer. */
  readonly status: number | undefined;
  /** Fraction of requests affected, 0..1. */
  readonly rate: number;
  readonly delayMs: number;
  /** Whether `/ping` fails too, so the mesh's active health checks see the instance as down. */
  readonly ping: boolean;
}

/** Long enough for the timeout demos (the originals slept 45 s), short enough to notice a typo. */
export const MAX_DELAY_MS = 600_000;
const DEFAULT_STATUS = 503;
const FIELDS = ['status', 'rate', 'delayMs', 'ping'] as const;

export class FaultInputError extends Error {
  override name = 'FaultInputError';
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** Validates a `POST /fault` body; every problem is named so a curl user can fix it in one go. */
export function parseFault(input: unknown): Fault {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FaultInputError('the body must be a JSON object such as {"status": 503, "rate": 0.5}');
  }
  const body = input as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(body).filter((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) problems.push(`unknown field ${unknown.join(', ')} (accepted: ${FIELDS.join(', ')})`);

  const { status, rate, delayMs, ping } = body;
  if (status !== undefined && !(isInteger(status) && status >= 400 && status <= 599)) {
    problems.push('status must be an integer HTTP error status between 400 and 599');
  }
  if (rate !== undefined && !(typeof rate === 'number' && rate >= 0 && rate <= 1)) {
    problems.push('rate must be a number between 0 and 1');
  }
  if (delayMs !== undefined && !(isInteger(delayMs) && delayMs >= 0 && delayMs <= MAX_DELAY_MS)) {
    problems.push(`delayMs must be an integer number of milliseconds between 0 and ${MAX_DELAY_MS}`);
  }
  if (ping !== undefined && typeof ping !== 'boolean') problems.push('ping must be true or false');
  if (problems.length > 0) throw new FaultInputError(problems.join('; '));

  return {
    // A body that only asks for a delay wants a slow answer, not a failing one.
    status: (status as number | undefined) ?? (delayMs === undefined ? DEFAULT_STATUS : undefined),
    rate: (rate as number | undefined) ?? 1,
    delayMs: (delayMs as number | undefined) ?? 0,
    ping: (ping as boolean | undefined) ?? false,
  };
}

/** The JSON shape `GET /fault` answers; `status: null` means "delay only". */
export function describeFault(fault: Fault | undefined): { fault: null | Record<string, unknown> } {
  if (!fault) return { fault: null };
  return { fault: { status: fault.status ?? null, rate: fault.rate, delayMs: fault.delayMs, ping: fault.ping } };
}

/** The current fault, shared by the control listener (which sets it) and the main listener. */
export class FaultSwitch {
  #current: Fault | undefined;

  constructor(private readonly random: () => number = Math.random) {}

  get current(): Fault | undefined {
    return this.#current;
  }

  set(fault: Fault): void {
    this.#current = fault;
  }

  clear(): void {
    this.#current = undefined;
  }

  /** The fault to apply to one request, or `undefined` to serve it normally. */
  draw(isPing: boolean): Fault | undefined {
    const fault = this.#current;
    if (!fault || (isPing && !fault.ping)) return undefined;
    return this.random() < fault.rate ? fault : undefined;
  }
}
