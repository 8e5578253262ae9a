/**
 * The names the AWS Gateway API Controller gives Lattice services. It names a route's service
 * `<route, 20 characters>-<namespace, 18 characters>` and checks only names set by annotation,
 * while Lattice's CreateService refuses a name that starts with `svc-`, has `--`, or starts or ends
 * with `-` — so a route named `svc-…` builds no service at all, and says so only in an event.
 */
export const SERVICE_NAME_OVERRIDE = 'application-networking.k8s.aws/service-name-override';

const VALID_NAME = /^(?!svc-)(?!.*--)[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;

/** The name the controller derives from a route's name and namespace. */
export function derivedServiceName(route: string, namespace: string): string {
  return `${route.slice(0, 20)}-${namespace.slice(0, 18)}`.replace(/^-+|-+$/g, '');
}

export function isValidServiceName(name: string): boolean {
  return VALID_NAME.test(name);
}

/** The name to set by annotation when the derived one is one Lattice refuses: namespace first, so it cannot start with `svc-`. */
export function serviceNameOverride(route: string, namespace: string): string | undefined {
  if (isValidServiceName(derivedServiceName(route, namespace))) return undefined;
  const name = `${namespace}-${route}`.replace(/-{2,}/g, '-').slice(0, 40).replace(/-+$/, '');
  if (!isValidServiceName(name)) throw new Error(`HTTPRoute ${namespace}/${route}: no valid Lattice service name derives from it; rename the route`);
  return name;
}
