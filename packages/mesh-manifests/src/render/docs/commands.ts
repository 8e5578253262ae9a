/**
 * The shell a learner types for an entry and a check, and how the guide words what they should
 * see. Derived from the walkthrough's entries and checks, so the guides never drift from them.
 */
import type { Check, Entry, ExpectedResponse } from '../../model/checks.js';
import { describeBody } from '../../model/checks.js';
import { stateAt } from '../../model/state.js';
import type { Walkthrough } from '../../model/walkthrough.js';
import type { Workload } from '../../model/workload.js';
import { ecsAdminCommand, ecsEntrySetup } from '../ecs/docs.js';
import { mainContainerName } from '../eks/deployment.js';

/** Shell-quotes what needs it; URLs and paths stay bare, as a person would type them. */
export function quote(text: string): string {
  return /^[\w./:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function findWorkload(walkthrough: Walkthrough, name: string, namespace?: string): Workload {
  for (const cluster of stateAt(walkthrough)) {
    const found = cluster.resources.find(
      (r): r is Workload => r.kind === 'Workload' && r.metadata.name === name && r.metadata.namespace === namespace,
    );
    if (found) return found;
  }
  throw new Error(`${walkthrough.name}: entry names workload ${namespace ?? ''}/${name}, which no step defines`);
}

export function entryOf(walkthrough: Walkthrough, name: string): Entry {
  const entry = walkthrough.entries.find((e) => e.name === name);
  if (!entry) throw new Error(`${walkthrough.name}: no entry named ${name}`);
  return entry;
}

/** How the guide finds an entry's address once (a load balancer's hostname into a variable). */
export function entrySetup(walkthrough: Walkthrough, entry: Entry): string | undefined {
  if (entry.kind !== 'load-balancer') return undefined;
  if (walkthrough.platform === 'ecs') return ecsEntrySetup(walkthrough, entry);
  const ns = entry.service.namespace ? ` -n ${entry.service.namespace}` : '';
  return `export ${entry.envVar}=$(kubectl${ns} get service ${entry.service.name} -o jsonpath='{.status.loadBalancer.ingress[0].hostname}')`;
}

/** One request, as a single command. */
export function requestCommand(walkthrough: Walkthrough, check: Check): string {
  const entry = entryOf(walkthrough, check.request.entry);
  const headers = Object.entries(check.request.headers ?? {});
  const method = check.request.method && check.request.method !== 'GET' ? ` -X ${check.request.method}` : '';
  switch (entry.kind) {
    case 'load-balancer': {
      const port = entry.port === 80 ? '' : `:${entry.port}`;
      const h = headers.map(([k, v]) => ` -H ${quote(`${k}: ${v}`)}`).join('');
      return `curl -s${method}${h} "http://$${entry.envVar}${port}${check.request.path}"`;
    }
    case 'exec': {
      const workload = findWorkload(walkthrough, entry.workload.name, entry.workload.namespace);
      const ns = entry.workload.namespace ? ` -n ${entry.workload.namespace}` : '';
      const container = mainContainerName(workload);
      const call =
        workload.spec.component === 'curl'
          ? `curl -s${method}${headers.map(([k, v]) => ` -H ${quote(`${k}: ${v}`)}`).join('')} ${check.request.path}`
          : `wget -qO-${headers.map(([k, v]) => ` --header ${quote(`${k}: ${v}`)}`).join('')} ${check.request.path}`;
      return `kubectl${ns} exec deploy/${entry.workload.name} -c ${container} -- ${call}`;
    }
    case 'envoy-admin': {
      if (walkthrough.platform === 'ecs') return ecsAdminCommand(walkthrough, entry, check.request.path);
      const ns = entry.workload.namespace ? ` -n ${entry.workload.namespace}` : '';
      return `kubectl${ns} exec deploy/${entry.workload.name} -c envoy -- curl -s http://localhost:${entry.port}${check.request.path}`;
    }
  }
}

/**
 * The command the guide shows for a check: repeated when the expectation is about many answers.
 * `request` says how one request is sent (on EKS/ECS by default; the local mesh passes its own).
 */
export function checkCommand(walkthrough: Walkthrough, check: Check, request: (w: Walkthrough, c: Check) => string = requestCommand): string {
  const one = request(walkthrough, check);
  switch (check.expect.kind) {
    case 'distribution':
      return `for i in $(seq 1 ${check.expect.samples}); do ${one}; echo; done | sort | uniq -c`;
    case 'sequence':
      return `for i in $(seq 1 ${check.expect.responses.length}); do ${one}; echo; done`;
    default:
      return one;
  }
}

/** The label is the guide's wording; an exact JSON body is shown as well, since that is what the terminal prints. */
function response(r: ExpectedResponse): string {
  const exact = r.body && ('json' in r.body || ('equals' in r.body && !r.label.includes(r.body.equals)));
  return exact ? `${r.label}: \`${describeBody(r.body!)}\`` : r.label;
}

/** What the learner should see, in words. */
export function expectedText(check: Check): string {
  const e = check.expect;
  switch (e.kind) {
    case 'always':
      return `Every answer: ${response(e.response)}.`;
    case 'oneOf':
      return `Each answer is one of: ${e.responses.map(response).join('; ')}.`;
    case 'distribution': {
      const total = e.outcomes.reduce((sum, o) => sum + o.weight, 0);
      return `About ${e.outcomes.map((o) => `${((100 * o.weight) / total).toFixed(1).replace(/\.0$/, '')}% ${response(o)}`).join(', ')} (weights ${e.outcomes.map((o) => o.weight).join(':')}).`;
    }
    case 'sequence':
      return e.responses.map((r, i) => `${i + 1}. ${response(r)}`).join('\n');
    case 'trace':
      return `One trace with a span per hop: ${e.hops.join(' → ')} (in the AWS X-Ray console, or the local mesh’s trace view).`;
  }
}

/** A check as the guides print it: title, command, what to expect and why. */
export function checkMarkdown(check: Check, command: string): string {
  const expected = expectedText(check);
  return [
    `**${check.title}**`,
    '',
    '```sh',
    command,
    '```',
    '',
    `Expected: ${expected.includes('\n') ? `\n\n${expected}` : expected}`,
    ...(check.explain ? ['', `> ${check.explain}`] : []),
    '',
  ].join('\n');
}
