/**
 * The "Run it locally" block of a guide: the same steps and checks as the EKS/ECS sections, typed
 * against the local mesh (`pnpm walkthrough …`) on the fixed ports of `model/local.ts`, so a
 * learner can follow the guide with no AWS account and get the output it promises.
 *
 *     <!-- generated:local -->            start command, entries, then every step with its checks
 *     <!-- generated:local step=canary --> one step only
 */
import type { BodyMatch, Check, Entry } from '../../model/checks.js';
import { localEntryPort } from '../../model/local.js';
import { checksAt, stateAt, stepIndex } from '../../model/state.js';
import type { Language } from '../../model/text.js';
import type { Step, Walkthrough } from '../../model/walkthrough.js';
import { walkthroughs } from '../../walkthroughs/index.js';
import { checkCommand, checkMarkdown, entryOf, quote } from './commands.js';
import { checkTitle, entryTitle, stepSummary, stepTitle } from './prose.js';

type Attributes = Record<string, string>;

/** The position the local mesh gives a walkthrough: its index in `walkthroughs`, by name. */
function position(walkthrough: Walkthrough): number {
  const at = walkthroughs.findIndex((w) => w.name === walkthrough.name);
  if (at < 0) throw new Error(`walkthrough ${walkthrough.name} is not in the list of walkthroughs, so it has no local ports`);
  return at;
}

export function localEntryUrl(walkthrough: Walkthrough, entry: Entry): string {
  return `http://127.0.0.1:${localEntryPort(walkthrough, position(walkthrough), entry.name)}`;
}

/**
 * A JavaScript pattern as `grep -E` reads it on Linux and macOS alike. Only the shorthands the
 * checks use are translated; anything else JavaScript-only is refused, so the guide never prints a
 * grep that silently matches nothing.
 */
export function extendedRegex(pattern: string): string {
  const translated = pattern.replace(/\\S/g, '[^[:space:]]').replace(/\\s/g, '[[:space:]]').replace(/\\d/g, '[0-9]').replace(/\\w/g, '[[:alnum:]_]');
  if (/\(\?|[*+?}]\?|\\[1-9bBDWpPuxk]/.test(translated)) throw new Error(`pattern /${pattern}/ has no grep -E equivalent; write the check with a simpler pattern`);
  return translated;
}

/** The filter an admin page's text goes through, so the learner sees the lines the check is about. */
function grepFor(body: BodyMatch | undefined): string {
  if (!body) return '';
  if ('contains' in body) return ` | grep -F ${quote(body.contains)}`;
  if ('matches' in body) return ` | grep -E ${quote(extendedRegex(body.matches))}`;
  return '';
}

function headerFlags(check: Check): string {
  const method = check.request.method && check.request.method !== 'GET' ? ` -X ${check.request.method}` : '';
  return method + Object.entries(check.request.headers ?? {}).map(([k, v]) => ` -H ${quote(`${k}: ${v}`)}`).join('');
}

/** One request against the local mesh: a loopback URL, a sidecar used as a proxy, or an admin port. */
export function localRequestCommand(walkthrough: Walkthrough, check: Check): string {
  const entry = entryOf(walkthrough, check.request.entry);
  const base = localEntryUrl(walkthrough, entry);
  switch (entry.kind) {
    case 'load-balancer':
      return `curl -s${headerFlags(check)} ${quote(base + check.request.path)}`;
    case 'exec':
      return `curl -s -x ${base}${headerFlags(check)} ${quote(check.request.path)}`;
    case 'envoy-admin': {
      const e = check.expect;
      return `curl -s${headerFlags(check)} ${quote(base + check.request.path)}${e.kind === 'always' ? grepFor(e.response.body) : ''}`;
    }
  }
}

/** The run file `up` writes holds the control plane's URL, whose `/v1/traces` is the local X-Ray view. */
function tracesCommand(walkthrough: Walkthrough): string {
  return `curl -s "$(node -p 'require("./.local-mesh/run/${walkthrough.name}.json").controlPlane')/v1/traces?limit=1"`;
}

export function localCheckCommand(walkthrough: Walkthrough, check: Check): string {
  const command = checkCommand(walkthrough, check, localRequestCommand);
  return check.expect.kind === 'trace' ? `${command}; echo\n${tracesCommand(walkthrough)}` : command;
}

/** The first step at which an entry's load balancer or workload exists: earlier, `up` has no URL for it. */
function entryFirstStep(walkthrough: Walkthrough, entry: Entry): Step {
  const cluster = entry.cluster ?? walkthrough.clusters[0]!.name;
  const target = entry.kind === 'load-balancer' ? entry.service : entry.workload;
  const exists = (step: Step) =>
    stateAt(walkthrough, step.name)
      .find((c) => c.name === cluster)!
      .resources.some(
        (r) =>
          (r.kind === 'Workload' || (entry.kind === 'load-balancer' && r.kind === 'Service')) &&
          r.metadata.name === target.name &&
          r.metadata.namespace === target.namespace,
      );
  const first = walkthrough.steps.find(exists);
  if (!first) throw new Error(`entry ${entry.name} names ${target.namespace ? `${target.namespace}/` : ''}${target.name}, which no step of ${walkthrough.name} runs`);
  return first;
}

/** The block's own sentences; the commands between them are the same in every language. */
const WORDS = {
  en: {
    entriesHeader: '| Entry | On AWS | Locally |',
    since: (step: string) => ` (from step \`${step}\`)`,
    viaSidecar: (workload: string) => `the request leaves through ${workload}’s sidecar, as from inside the pod`,
    stepHeading: (n: number, title: string, name: string) => `### Step ${n}: ${title} (\`${name}\`)`,
    stillTrue: (titles: string[]) => `Still true from the previous step: ${titles.map((t) => `*${t}*`).join('; ')}.`,
    nothingNew: 'Nothing new to check at this step.',
    fromRoot:
      'From the repository root (the first run builds the apps and the local mesh, which takes a minute or two; later commands reuse that build unless the sources changed):',
    startsAt: (first: string, last: string) =>
      `\`--step ${first}\` starts at the first step, so you can walk through the others; without it the mesh starts at the last step, \`${last}\`.`,
    foreground: (name: string) =>
      `It runs in the foreground until Ctrl-C; use a second terminal for the commands below. Once every proxy is ready it prints a table of URLs (every proxy’s Envoy admin URL among them) and, last, one JSON line with the same; \`pnpm walkthrough status ${name}\` prints it again. The entries are on fixed ports:`,
  },
  ja: {
    entriesHeader: '| エントリー | AWS では | ローカルでは |',
    since: (step: string) => `（ステップ \`${step}\` 以降）`,
    viaSidecar: (workload: string) => `リクエストは Pod の中から送ったときと同じく ${workload} のサイドカーを通って出ていきます`,
    stepHeading: (n: number, title: string, name: string) => `### ステップ ${n}: ${title} (\`${name}\`)`,
    stillTrue: (titles: string[]) => `前のステップから引き続き成り立つもの: ${titles.map((t) => `*${t}*`).join('、')}。`,
    nothingNew: 'このステップで新たに確認することはありません。',
    fromRoot: 'リポジトリのルートで次を実行します（初回はアプリとローカルメッシュをビルドするので 1〜2 分かかります。以降はソースを変えない限り、そのビルドを使い回します）:',
    startsAt: (first: string, last: string) =>
      `\`--step ${first}\` を付けると最初のステップから始まり、残りのステップを順にたどれます。付けなければメッシュは最後のステップ \`${last}\` から始まります。`,
    foreground: (name: string) =>
      `Ctrl-C で止めるまでフォアグラウンドで動くので、以下のコマンドは別のターミナルで実行してください。すべてのプロキシの準備ができると URL の表（各プロキシの Envoy 管理 URL を含みます）を表示し、最後に同じ内容を JSON 1 行で出力します。\`pnpm walkthrough status ${name}\` でもう一度表示できます。エントリーは固定のポートで待ち受けます:`,
  },
} satisfies Record<Language, unknown>;

function entriesTable(walkthrough: Walkthrough, lang: Language): string {
  const words = WORDS[lang];
  const rows = walkthrough.entries.map((entry) => {
    const url = localEntryUrl(walkthrough, entry);
    const from = entryFirstStep(walkthrough, entry);
    const since = from === walkthrough.steps[0] ? '' : words.since(from.name);
    const local =
      entry.kind === 'exec'
        ? `\`curl -x ${url} <url>\`: ${words.viaSidecar(entry.workload.name)}`
        : entry.kind === 'envoy-admin'
          ? `\`${url}\` (\`/stats\`, \`/clusters\`, \`/config_dump\`, …)`
          : `\`${url}\``;
    return `| \`${entry.name}\` | ${entryTitle(entry, lang)} | ${local}${since} |`;
  });
  return [words.entriesHeader, '|---|---|---|', ...rows].join('\n') + '\n';
}

/** One step: the command that moves the running mesh there, its new checks, and those that still hold. */
function stepSection(walkthrough: Walkthrough, step: Step, heading: boolean, lang: Language): string {
  const words = WORDS[lang];
  const at = stepIndex(walkthrough, step.name);
  const checks = checksAt(walkthrough, step.name);
  const before = at > 0 ? new Set(checksAt(walkthrough, walkthrough.steps[at - 1]!.name).map((c) => c.name)) : new Set<string>();
  const fresh = checks.filter((c) => !before.has(c.name));
  const still = checks.filter((c) => before.has(c.name));
  const parts: string[] = [];
  if (heading) parts.push(`${words.stepHeading(at + 1, stepTitle(step, lang), step.name)}\n\n${stepSummary(step, lang)}\n`);
  if (at > 0) parts.push('```sh\n' + `pnpm walkthrough step ${walkthrough.name} ${step.name}` + '\n```\n');
  for (const check of fresh) parts.push(checkMarkdown(check, localCheckCommand(walkthrough, check), lang));
  if (still.length) parts.push(`${words.stillTrue(still.map((c) => checkTitle(c, lang)))}\n`);
  if (!checks.length) parts.push(`${words.nothingNew}\n`);
  return parts.join('\n');
}

function startSection(walkthrough: Walkthrough, lang: Language): string {
  const words = WORDS[lang];
  const steps = walkthrough.steps;
  const first = steps[0]!;
  const command = steps.length > 1 ? `pnpm walkthrough up ${walkthrough.name} --step ${first.name}` : `pnpm walkthrough up ${walkthrough.name}`;
  const parts = [
    words.fromRoot,
    '',
    '```sh\n' + command + '\n```',
    '',
  ];
  if (steps.length > 1) {
    parts.push(words.startsAt(first.name, steps.at(-1)!.name), '');
  }
  parts.push(words.foreground(walkthrough.name), '', entriesTable(walkthrough, lang));
  return parts.join('\n');
}

export function localBlock(walkthrough: Walkthrough, attrs: Attributes, lang: Language = 'en'): string {
  const steps = walkthrough.steps;
  if (attrs.step) return stepSection(walkthrough, steps[stepIndex(walkthrough, attrs.step)]!, false, lang);
  return [startSection(walkthrough, lang), ...steps.map((step) => stepSection(walkthrough, step, steps.length > 1, lang))].join('\n');
}
