/**
 * The shell a learner types for an entry and a check, and how the guide words what they should
 * see. Derived from the walkthrough's entries and checks, so the guides never drift from them.
 */
import type { Check, Entry, ExpectedResponse } from '../../model/checks.js';
import { describeBody } from '../../model/checks.js';
import { stateAt } from '../../model/state.js';
import type { Language } from '../../model/text.js';
import type { Walkthrough } from '../../model/walkthrough.js';
import type { Workload } from '../../model/workload.js';
import { ecsAdminCommand, ecsEntrySetup } from '../ecs/docs.js';
import { mainContainerName } from '../eks/deployment.js';
import { checkTitle, responseLabel } from './prose.js';

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

/**
 * The label is the guide's wording; an exact JSON body is shown as well, since that is what the
 * terminal prints. Whether to show it is decided on the English label in both languages, so both
 * guides show the same bodies.
 */
function response(r: ExpectedResponse, lang: Language): string {
  const exact = r.body && ('json' in r.body || ('equals' in r.body && !r.label.includes(r.body.equals)));
  const body = r.body && 'equals' in r.body && r.body.equals === '' && lang === 'ja' ? '（空の本文）' : r.body ? describeBody(r.body) : '';
  return exact ? `${responseLabel(r, lang)}: \`${body}\`` : responseLabel(r, lang);
}

function percentages(outcomes: readonly { weight: number }[]): string[] {
  const total = outcomes.reduce((sum, o) => sum + o.weight, 0);
  return outcomes.map((o) => `${((100 * o.weight) / total).toFixed(1).replace(/\.0$/, '')}%`);
}

/** What the learner should see, in words. */
export function expectedText(check: Check, lang: Language = 'en'): string {
  const e = check.expect;
  const say = (r: ExpectedResponse) => response(r, lang);
  if (lang === 'ja') {
    switch (e.kind) {
      case 'always':
        return `どの応答も ${say(e.response)}。`;
      case 'oneOf':
        return `どの応答も ${e.responses.map(say).join('、')} のいずれか。`;
      case 'distribution': {
        const shares = percentages(e.outcomes);
        return `およそ ${e.outcomes.map((o, i) => `${shares[i]} が ${say(o)}`).join('、')}（重み ${e.outcomes.map((o) => o.weight).join(':')}）。`;
      }
      case 'sequence':
        return e.responses.map((r, i) => `${i + 1}. ${say(r)}`).join('\n');
      case 'trace':
        return `ホップごとに 1 つずつスパンを持つトレースが 1 本: ${e.hops.join(' → ')}（AWS X-Ray コンソール、またはローカルメッシュのトレース表示で見られます）。`;
    }
  }
  switch (e.kind) {
    case 'always':
      return `Every answer: ${say(e.response)}.`;
    case 'oneOf':
      return `Each answer is one of: ${e.responses.map(say).join('; ')}.`;
    case 'distribution': {
      const shares = percentages(e.outcomes);
      return `About ${e.outcomes.map((o, i) => `${shares[i]} ${say(o)}`).join(', ')} (weights ${e.outcomes.map((o) => o.weight).join(':')}).`;
    }
    case 'sequence':
      return e.responses.map((r, i) => `${i + 1}. ${say(r)}`).join('\n');
    case 'trace':
      return `One trace with a span per hop: ${e.hops.join(' → ')} (in the AWS X-Ray console, or the local mesh’s trace view).`;
  }
}

/** The word before what to expect, which a target's section qualifies when its answer differs. */
export const EXPECTED: Record<Language, string> = { en: 'Expected:', ja: '期待される結果:' };

/**
 * A check as the guides print it: title, command, what to expect and why. `explain` defaults to
 * the check's own; a target's section passes its note on how the target differs instead.
 */
export function checkMarkdown(check: Check, command: string, lang: Language = 'en', explain: string | undefined = check.explain?.[lang]): string {
  const expected = expectedText(check, lang);
  return [
    `**${checkTitle(check, lang)}**`,
    '',
    '```sh',
    command,
    '```',
    '',
    `${EXPECTED[lang]} ${expected.includes('\n') ? `\n\n${expected}` : expected}`,
    ...(explain ? ['', `> ${explain}`] : []),
    '',
  ].join('\n');
}
