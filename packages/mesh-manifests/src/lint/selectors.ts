/**
 * Kubernetes label selectors, evaluated the way the App Mesh controller evaluates them
 * (`metav1.LabelSelectorAsSelector`): an absent selector selects nothing, an empty one selects
 * everything. Callers whose field defaults the other way (VirtualGateway's
 * `gatewayRouteSelector`) say so with `whenAbsent`.
 */

export type Labels = Readonly<Record<string, string>>;

interface Requirement {
  key: string;
  operator: string;
  values?: unknown[];
}

export interface LabelSelector {
  matchLabels?: Record<string, unknown>;
  matchExpressions?: Requirement[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asSelector(value: unknown): LabelSelector | undefined {
  if (!isRecord(value)) return undefined;
  const selector: LabelSelector = {};
  if (isRecord(value.matchLabels)) selector.matchLabels = value.matchLabels;
  if (Array.isArray(value.matchExpressions)) {
    selector.matchExpressions = value.matchExpressions.filter(
      (r): r is Requirement => isRecord(r) && typeof r.key === 'string' && typeof r.operator === 'string',
    );
  }
  return selector;
}

function requirementHolds(requirement: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const values = (requirement.values ?? []).map(String);
  switch (requirement.operator) {
    case 'In':
      return has && values.includes(labels[requirement.key] as string);
    case 'NotIn':
      return !has || !values.includes(labels[requirement.key] as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

/** Whether `selector` (a LabelSelector object, possibly absent) selects `labels`. */
export function selects(selector: unknown, labels: Labels, whenAbsent: 'none' | 'all' = 'none'): boolean {
  const parsed = asSelector(selector);
  if (!parsed) return whenAbsent === 'all';
  for (const [key, value] of Object.entries(parsed.matchLabels ?? {})) {
    if (labels[key] !== String(value)) return false;
  }
  return (parsed.matchExpressions ?? []).every((r) => requirementHolds(r, labels));
}

/** A Service's `spec.selector`: a plain map; absent or empty means "no pods" (endpoints by hand). */
export function serviceSelects(selector: unknown, labels: Labels): boolean {
  if (!isRecord(selector) || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === String(value));
}

/** `a=b, c=d` for messages. */
export function describeLabels(labels: unknown): string {
  if (!isRecord(labels) || Object.keys(labels).length === 0) return '(no labels)';
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

export function describeSelector(selector: unknown): string {
  const parsed = asSelector(selector);
  if (!parsed) return '(absent: selects nothing)';
  const parts = Object.entries(parsed.matchLabels ?? {}).map(([k, v]) => `${k}=${String(v)}`);
  for (const r of parsed.matchExpressions ?? []) {
    parts.push(`${r.key} ${r.operator}${r.values ? ` (${r.values.map(String).join(', ')})` : ''}`);
  }
  return parts.length === 0 ? '(empty: selects everything)' : parts.join(', ');
}
