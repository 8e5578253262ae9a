/**
 * A walkthrough's checks on a live target: the command a learner types there, and whether the
 * expected output stands, changes (with what to expect instead, and why), or cannot be checked
 * there at all. Whether it stands is worked out, not asserted: the request is routed through what
 * the target's renderer wrote and through the App Mesh definition (predict.ts), and the two are
 * compared.
 */
import type { Check, Entry, Expectation, ExpectedResponse } from '../model/checks.js';
import { stepIndex } from '../model/state.js';
import type { Walkthrough } from '../model/walkthrough.js';
import { mainContainerName } from '../render/eks/deployment.js';
import { quote, requestCommand } from '../render/docs/commands.js';
import { latticeHost } from '../render/lattice/index.js';
import type { LiveTarget } from '../render/layout.js';
import { MeshGraph } from '../render/mesh-graph.js';
import { serviceConnectStacks } from '../render/service-connect/index.js';
import { SHELL, STACK_OUTPUT_HELPER } from '../render/ecs/index.js';
import { logicalId } from '../render/ecs/template.js';
import { latticeCall, predictAppMesh, PREDICTORS, type Answer, type CheckRequest, type Prediction } from './predict.js';
import type { MigrationReport } from './report.js';

export type CheckStatus = 'same' | 'differs' | 'unavailable';

export interface TargetCheck {
  check: Check;
  status: CheckStatus;
  /** The shell a learner types (absent when the check cannot be made). */
  command?: string;
  /** Once per shell, before the command (a load balancer's address). */
  setup?: string;
  /** What to expect instead, when it differs. */
  expect?: Expectation;
  /** Why it differs, or why it cannot be checked. */
  note?: string;
}

function entryOf(walkthrough: Walkthrough, name: string): Entry {
  const entry = walkthrough.entries.find((e) => e.name === name);
  if (!entry) throw new Error(`${walkthrough.name}: no entry ${name}`);
  return entry;
}

function stepOf(walkthrough: Walkthrough, check: Check): string {
  return check.step ?? walkthrough.steps[0]!.name;
}

/** What a colour node answers: its COLOR (ColorTeller answers its colour on every path). */
function answerOf(request: CheckRequest, node: string): ExpectedResponse | undefined {
  const cluster = request.entry.cluster ?? request.walkthrough.clusters[0]!.name;
  const graph = MeshGraph.at(request.walkthrough, request.step, cluster);
  const found = graph.nodes.find((n) => n.metadata.name === node);
  const workload = found ? graph.workloadsOf(found)[0] : undefined;
  if (workload?.spec.component !== 'colorteller' || !workload.spec.env?.COLOR) return undefined;
  return { body: { equals: workload.spec.env.COLOR }, label: workload.spec.env.COLOR };
}

function normalised(answers: readonly Answer[]): string {
  const total = answers.reduce((sum, a) => sum + a.weight, 0) || 1;
  const shares = new Map<string, number>();
  for (const a of answers) shares.set(a.node, (shares.get(a.node) ?? 0) + a.weight / total);
  return JSON.stringify([...shares.entries()].filter(([, share]) => share > 0).sort(([a], [b]) => a.localeCompare(b)));
}

/** The expectation routing alone gives: who answers, and in what shares. */
function routedExpectation(request: CheckRequest, answers: readonly Answer[], noRoute: ExpectedResponse): Expectation {
  if (!answers.length) return { kind: 'always', response: noRoute };
  const samples = request.check.expect.kind === 'distribution' ? request.check.expect.samples : 100;
  const responses = answers.map((a) => answerOf(request, a.node) ?? { label: `the answer of node ${a.node}` });
  if (answers.length === 1) return { kind: 'always', response: responses[0]! };
  return { kind: 'distribution', samples, outcomes: answers.map((a, i) => ({ ...responses[i]!, weight: a.weight })) };
}

/** A failure status in the expectation: something besides routing (TLS) decides the answer. */
function expectsFailure(expect: Expectation): boolean {
  const responses = expect.kind === 'always' ? [expect.response] : expect.kind === 'oneOf' || expect.kind === 'sequence' ? expect.responses : expect.kind === 'distribution' ? expect.outcomes : [];
  return responses.some((r) => (r.status ?? 200) >= 500);
}

const NO_ROUTE: Record<LiveTarget, ExpectedResponse> = {
  istio: { status: 404, label: 'HTTP 404 (no route)' },
  lattice: { status: 404, label: 'HTTP 404 (no rule matches)' },
  'service-connect': { status: 404, body: { equals: 'no route' }, label: 'HTTP 404 from the load balancer' },
};

/** Why a request goes elsewhere: what the report says of the App Mesh route it took. */
function routeNote(report: MigrationReport, appMesh: Prediction): string | undefined {
  if (!('answers' in appMesh) || !appMesh.route) return undefined;
  const dropped = report.translations.find((t) => t.outcome.status === 'dropped' && t.use.field.startsWith(`routes[${appMesh.route}]`));
  return dropped?.outcome.status === 'dropped' ? `App Mesh answered this with route ${appMesh.route}, which is not carried: ${dropped.outcome.reason}.` : undefined;
}

function istioCommand(walkthrough: Walkthrough, check: Check, entry: Entry): string {
  if (entry.kind !== 'envoy-admin') return requestCommand(walkthrough, check);
  const ns = entry.workload.namespace ? ` -n ${entry.workload.namespace}` : '';
  return `kubectl${ns} exec deploy/${entry.workload.name} -c istio-proxy -- pilot-agent request GET ${check.request.path.replace(/^\//, '')}`;
}

function curlFlags(check: Check): string {
  const method = check.request.method && check.request.method !== 'GET' ? ` -X ${check.request.method}` : '';
  return `${method}${Object.entries(check.request.headers ?? {}).map(([k, v]) => ` -H ${quote(`${k}: ${v}`)}`).join('')}`;
}

/**
 * The URL a check's request becomes on Lattice: the Lattice service's name for the virtual
 * service App Mesh would have routed it to (through the gateway, or by its mesh name), with the
 * path the gateway would have sent; undefined when the request is not routed by the mesh (an app
 * relays it) or no gateway route matches.
 */
export function latticeUrl(request: CheckRequest): string | undefined {
  const call = latticeCall(request);
  if (!call || call === 'not-routed') return undefined;
  const provider = call.graph.provider(call.vs);
  const port = 'router' in provider ? provider.router.spec.listeners[0]!.portMapping.port : provider.node.spec.listeners![0]!.portMapping.port;
  return `http://${latticeHost(request.walkthrough, call.vs)}${port === 80 ? '' : `:${port}`}${call.path}`;
}

function latticeCommand(request: CheckRequest): string {
  const { walkthrough, check, entry } = request;
  const call = latticeCall(request);
  const url = latticeUrl(request);
  if (!call || call === 'not-routed' || !url) return requestCommand(walkthrough, check);
  if (entry.kind === 'exec') {
    const cluster = entry.cluster ?? walkthrough.clusters[0]!.name;
    const graph = MeshGraph.at(walkthrough, request.step, cluster);
    const workload = graph.workloads.find((w) => w.metadata.name === entry.workload.name && w.metadata.namespace === entry.workload.namespace)!;
    const ns = entry.workload.namespace ? ` -n ${entry.workload.namespace}` : '';
    const call2 = workload.spec.component === 'curl' ? `curl -s${curlFlags(check)} ${url}` : `wget -qO-${Object.entries(check.request.headers ?? {}).map(([k, v]) => ` --header ${quote(`${k}: ${v}`)}`).join('')} ${url}`;
    return `kubectl${ns} exec deploy/${entry.workload.name} -c ${mainContainerName(workload)} -- ${call2}`;
  }
  // A gateway's entry: Lattice has none, so the pod the renderer adds calls the service inside the VPC.
  const namespace = call.vs.metadata.namespace;
  const client = MeshGraph.at(walkthrough, request.step, call.graph.cluster).workloads.find((w) => w.spec.component === 'curl');
  return `kubectl -n ${client?.metadata.namespace ?? namespace} exec deploy/${client?.metadata.name ?? 'client'} -c curl -- curl -s${curlFlags(check)} ${url}`;
}

function serviceConnectSetup(walkthrough: Walkthrough, entry: Entry): string | undefined {
  if (entry.kind !== 'load-balancer') return undefined;
  const stack = serviceConnectStacks(walkthrough).find((s) => s.role === 'services')!;
  return `${STACK_OUTPUT_HELPER}\nexport ${entry.envVar}=$(${SHELL.outputHelper} ${stack.stackName} ${logicalId(entry.name)}Endpoint)`;
}

function kubernetesSetup(entry: Entry, target: LiveTarget, gatewayEntry: boolean): string | undefined {
  if (entry.kind !== 'load-balancer' || (target === 'lattice' && gatewayEntry)) return undefined;
  const ns = entry.service.namespace ? ` -n ${entry.service.namespace}` : '';
  return `export ${entry.envVar}=$(kubectl${ns} get service ${entry.service.name} -o jsonpath='{.status.loadBalancer.ingress[0].hostname}')`;
}

const NO_PROXY: Record<'lattice' | 'service-connect', string> = {
  lattice: 'There is no proxy in the pods on Lattice to ask: Lattice publishes its own CloudWatch metrics per service and target group (namespace AWS/VpcLattice).',
  'service-connect': 'Service Connect’s proxy is managed by ECS and has no admin port to ask: the load balancer and Service Connect publish CloudWatch metrics (AWS/ApplicationELB, AWS/ECS).',
};

/** One check on one target. */
export function targetCheck(walkthrough: Walkthrough, target: LiveTarget, check: Check, report: MigrationReport): TargetCheck {
  const entry = entryOf(walkthrough, check.request.entry);
  const step = stepOf(walkthrough, check);
  const request: CheckRequest = { walkthrough, check, entry, step };
  if (entry.kind === 'envoy-admin') {
    if (target !== 'istio') return { check, status: 'unavailable', note: NO_PROXY[target] };
    return { check, status: 'same', command: istioCommand(walkthrough, check, entry), note: 'Istio’s proxy answers on its own admin interface (pilot-agent request); its clusters are named outbound|<port>|<subset>|<host>.' };
  }
  if (check.expect.kind === 'trace') {
    if (target !== 'istio') return { check, status: 'unavailable', note: target === 'lattice' ? 'Lattice makes no trace spans: instrument the apps with OpenTelemetry to trace them.' : 'Service Connect sends no traces.' };
    const graph = MeshGraph.at(walkthrough, step, entry.cluster ?? walkthrough.clusters[0]!.name);
    const tcp = (hop: string) => graph.nodes.find((n) => n.metadata.name === hop)?.spec.listeners?.every((l) => l.portMapping.protocol === 'tcp') ?? false;
    const httpHops = check.expect.hops.filter((hop) => !tcp(hop));
    return {
      check,
      status: httpHops.length === check.expect.hops.length ? 'same' : 'differs',
      command: requestCommand(walkthrough, check),
      expect: { kind: 'trace', hops: httpHops },
      note: 'Spans come from the Istio proxy of each HTTP hop, through the ADOT collector to X-Ray; a TCP hop (Postgres, Redis) makes none.',
    };
  }
  const appMesh = predictAppMesh(request);
  const gatewayEntry = entry.kind === 'load-balancer' && !('unknown' in appMesh);
  const command = target === 'istio' ? istioCommand(walkthrough, check, entry) : target === 'lattice' ? latticeCommand(request) : requestCommand(walkthrough, check);
  const setup = target === 'service-connect' ? serviceConnectSetup(walkthrough, entry) : kubernetesSetup(entry, target, gatewayEntry);
  const base = { check, command, ...(setup ? { setup } : {}) };
  const there = PREDICTORS[target](request);
  if ('unknown' in appMesh || 'unknown' in there) return { ...base, status: 'same' };
  const sameRouting = normalised(appMesh.answers) === normalised(there.answers);
  if (sameRouting && !expectsFailure(check.expect)) return { ...base, status: 'same' };
  const expect = routedExpectation(request, there.answers, NO_ROUTE[target]);
  if (sameRouting) {
    const tls = report.translations.find((t) => t.use.feature === 'listener-tls' && t.use.steps.includes(step));
    if (tls?.outcome.status === 'carried') return { ...base, status: 'same' };
    const why = tls && 'note' in tls.outcome ? tls.outcome.note : 'the failure App Mesh shows here comes from TLS, which this target does not set up the same way.';
    return { ...base, status: 'differs', expect, note: why };
  }
  const note = routeNote(report, appMesh);
  return { ...base, status: 'differs', expect, ...(note ? { note } : {}) };
}

/** Every check of a walkthrough on a target, in step order. */
export function targetChecks(walkthrough: Walkthrough, target: LiveTarget, report: MigrationReport): TargetCheck[] {
  return [...walkthrough.checks]
    .sort((a, b) => stepIndex(walkthrough, stepOf(walkthrough, a)) - stepIndex(walkthrough, stepOf(walkthrough, b)))
    .map((check) => targetCheck(walkthrough, target, check, report));
}
