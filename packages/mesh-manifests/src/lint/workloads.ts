/** What the lint reads from a pod template's containers: which are the app, which port it serves. */
import { asArray, asNumber, asRecord, asString } from './access.js';
import type { ContainerInfo, Entry, PodTemplate } from './inventory.js';

const HELPER_IMAGES = /aws-appmesh-envoy|aws-xray-daemon|cloudwatch-agent|aws-otel-collector/i;
const HELPER_NAMES = new Set(['envoy', 'xray-daemon', 'xray', 'cw-agent', 'cloudwatch-agent', 'aws-otel-collector']);

/** Envoy and the telemetry agents that ride along: not the application. */
export function isHelperContainer(container: ContainerInfo): boolean {
  return HELPER_NAMES.has(container.name) || HELPER_IMAGES.test(container.image ?? '');
}

/** Env variables the sample apps (and most twelve-factor apps) read their listening port from. */
const PORT_VARIABLES = ['PORT', 'SERVER_PORT', 'LISTEN_PORT', 'HTTP_PORT'];

/**
 * The ports a pod's application serves: its declared containerPorts, else the port its env
 * says it listens on. Undefined when the manifest says neither (nothing to compare).
 */
export function servedPorts(pod: PodTemplate, containers: ContainerInfo[] = pod.containers.filter((c) => !isHelperContainer(c))): number[] | undefined {
  const declared = containers.flatMap((c) => c.ports.map((p) => p.containerPort));
  if (declared.length > 0) return [...new Set(declared)];
  const fromEnv = containers.flatMap((c) => c.env.filter((e) => PORT_VARIABLES.includes(e.name)).map((e) => asNumber(e.value)));
  const ports = fromEnv.filter((p): p is number => p !== undefined);
  return ports.length > 0 ? [...new Set(ports)] : undefined;
}

export interface ServicePort {
  port: number;
  /** Resolved against the selected pods' named container ports; undefined if a name resolves nowhere. */
  targetPort: number | undefined;
  index: number;
}

/** A Service's ports with `targetPort` resolved (absent = `port`; a name = that container port). */
export function servicePorts(service: Entry, pods: PodTemplate[]): ServicePort[] {
  const out: ServicePort[] = [];
  asArray(service.spec.ports).forEach((raw, index) => {
    const p = asRecord(raw);
    const port = asNumber(p.port);
    if (port === undefined) return;
    const target = p.targetPort;
    let targetPort: number | undefined = port;
    if (target !== undefined && target !== null) {
      const numeric = asNumber(target);
      if (numeric !== undefined) targetPort = numeric;
      else {
        const name = asString(target);
        targetPort = pods.flatMap((pod) => pod.containers.flatMap((c) => c.ports)).find((cp) => cp.name === name)?.containerPort;
      }
    }
    out.push({ port, targetPort, index });
  });
  return out;
}
