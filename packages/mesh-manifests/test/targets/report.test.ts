/**
 * The migration report accounts for every App Mesh feature each walkthrough uses — compared with an
 * inventory read from the definitions, not from the renderers — and every object and field it says a
 * feature became exists in what the renderer wrote. The log that builds it refuses a feature the
 * renderer claims to carry but wrote nothing for, and evidence for a feature the definition lacks.
 */
import { describe, expect, it } from 'vitest';
import { featuresOf, useKey } from '../../src/migrate/features.js';
import { formatReportJson, formatReportMarkdown, formatReportText } from '../../src/migrate/report.js';
import { migrationReport } from '../../src/migrate/targets.js';
import { TranslationLog, type TargetRef } from '../../src/migrate/translation.js';
import { liveTargetsOf, type LiveTarget } from '../../src/render/layout.js';
import { walkthroughs } from '../../src/walkthroughs/index.js';
import { at, cloudFormation, clusterFolderOf, kubernetesObjects, RENDERERS } from './rendered.js';

const pairs = walkthroughs.flatMap((w) => liveTargetsOf(w).map((target) => [`${w.name} → ${target}`, w, target] as const));

describe.each(pairs)('%s', (_name, walkthrough, target) => {
  const report = migrationReport(walkthrough, target);
  const files = RENDERERS[target](walkthrough);

  it('has one entry for every App Mesh feature use in the definition, and no other', () => {
    const expected = featuresOf(walkthrough).map(useKey).sort();
    expect(report.translations.map((t) => useKey(t.use)).sort()).toEqual(expected);
    expect(expected.length).toBeGreaterThan(10);
  });

  it('explains every outcome: a reason and a workaround for what is not carried, a note for what is carried in part or not needed', () => {
    for (const { use, outcome } of report.translations) {
      if (outcome.status === 'dropped') {
        expect(outcome.reason, useKey(use)).not.toBe('');
        expect(outcome.workaround, useKey(use)).not.toBe('');
      } else if (outcome.status !== 'carried') {
        expect(outcome.note, useKey(use)).not.toBe('');
      }
    }
  });

  it('names objects and fields that exist in the rendered files', () => {
    const refs = report.translations.flatMap((t) => ('to' in t.outcome ? t.outcome.to.map((ref) => [useKey(t.use), ref] as [string, TargetRef]) : []));
    expect(refs.length).toBeGreaterThan(0);
    for (const [key, ref] of refs) {
      const folder = clusterFolderOf(walkthrough, target, ref.cluster);
      if (ref.file) {
        const template = cloudFormation(files).find((t) => t.file === `${folder}/${ref.file}`)?.template;
        if (ref.kind === 'AWS::CloudFormation::Stack') {
          expect(template, `${key}: ${ref.file}`).toBeDefined();
          continue;
        }
        const resource = at(template, ['Resources', ref.name]) as { Type?: string } | undefined;
        expect(resource?.Type, `${key}: ${ref.file} ${ref.name}`).toBe(ref.kind);
        if (ref.path) expect(at(resource, ref.path), `${key}: ${ref.name} ${ref.path.join('.')}`).toBeDefined();
        continue;
      }
      const objects = kubernetesObjects(files.filter((f) => f.path.startsWith(`${folder}/`)))
        .map((o) => o.object)
        .filter((o) => o.kind === ref.kind && o.metadata?.name === ref.name && o.metadata?.namespace === ref.namespace);
      expect(objects.length, `${key}: ${ref.kind} ${ref.namespace ?? ''}/${ref.name} in ${folder}`).toBeGreaterThan(0);
      if (ref.path) expect(objects.some((o) => at(o, ref.path!) !== undefined), `${key}: ${ref.kind} ${ref.name} ${ref.path.join('.')}`).toBe(true);
    }
  });

  it('prints as a table, JSON and Markdown with the same counts', () => {
    const json = JSON.parse(formatReportJson(report)) as { counts: Record<string, number>; features: unknown[] };
    expect(json.features).toHaveLength(report.translations.length);
    expect(Object.values(json.counts).reduce((a, b) => a + b, 0)).toBe(report.translations.length);
    expect(formatReportText(report, walkthrough).split('\n')[0]).toContain(`${report.translations.length} App Mesh feature uses`);
    expect(formatReportMarkdown(report, walkthrough).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| |'))).toHaveLength(report.translations.length);
  });
});

function outcomes(name: string, target: LiveTarget) {
  const report = migrationReport(walkthroughs.find((w) => w.name === name)!, target);
  return (feature: string, field?: string) =>
    report.translations.filter((t) => t.use.feature === feature && (field === undefined || t.use.field.startsWith(field))).map((t) => `${t.use.object.name} ${t.use.field}: ${t.outcome.status}`);
}

describe('what each target keeps', () => {
  it('Istio carries every route and every match of every EKS walkthrough', () => {
    for (const w of walkthroughs.filter((x) => x.platform === 'eks')) {
      const report = migrationReport(w, 'istio');
      const routing = report.translations.filter((t) => /^(match-|weighted-targets|route-|retry-policy|gateway-)/.test(t.use.feature));
      expect(routing.length, w.name).toBeGreaterThan(0);
      expect(routing.filter((t) => t.outcome.status !== 'carried').map((t) => useKey(t.use)), w.name).toEqual([]);
    }
  });

  it('Lattice drops the regex, prefix and presence header routes of ingress-gateway-eks, and keeps the exact and default ones', () => {
    const of = outcomes('ingress-gateway-eks', 'lattice');
    expect(of('weighted-targets', 'routes[color-route-')).toEqual(
      expect.arrayContaining([
        'color-headers routes[color-route-blue]: carried',
        'color-headers routes[color-route-green]: dropped',
        'color-headers routes[color-route-red]: dropped',
        'color-headers routes[color-route-yellow]: dropped',
        'color-headers routes[color-route-white]: carried',
        'color-paths routes[color-route-red]: carried',
      ]),
    );
    expect(of('match-header-regex')).toEqual(['color-headers routes[color-route-green].match.headers[color_header]: dropped']);
    expect(of('gateway-rewrite-prefix').every((line) => line.endsWith('dropped'))).toBe(true);
  });

  it('Lattice drops retries, timeouts and tracing; Istio carries them (tracing in part, through OpenTelemetry)', () => {
    const lattice = outcomes('yelb-canary-observability', 'lattice');
    expect(lattice('retry-policy')).toEqual(['yelb-appserver routes[route-to-yelb-appserver].retryPolicy: dropped']);
    expect(lattice('route-timeout')).toEqual(['yelb-appserver routes[route-to-yelb-appserver].timeout: dropped']);
    expect(new Set(lattice('xray-tracing').map((l) => l.split(': ')[1]))).toEqual(new Set(['dropped']));
    const istio = outcomes('yelb-canary-observability', 'istio');
    expect(istio('retry-policy')).toEqual(['yelb-appserver routes[route-to-yelb-appserver].retryPolicy: carried']);
    expect(new Set(istio('xray-tracing').map((l) => l.split(': ')[1]))).toEqual(new Set(['partly']));
  });

  it('Lattice logs and checks only what passes through it, and says that exact header values lose their case', () => {
    const yelb = outcomes('yelb-canary-observability', 'lattice');
    expect(yelb('access-log')).toEqual(
      expect.arrayContaining(['redis-server logging.accessLog: dropped', 'yelb-db logging.accessLog: dropped', 'yelb-appserver-v1 logging.accessLog: partly']),
    );
    const dj = outcomes('dj-kong-ingress', 'lattice');
    expect(dj('health-check')).toEqual(expect.arrayContaining(['dj listeners[0].healthCheck: not-needed', 'jazz-v1 listeners[0].healthCheck: carried']));
    expect(outcomes('ingress-gateway-eks', 'lattice')('match-header-exact')).toEqual(['color-headers routes[color-route-blue].match.headers[color_header]: partly']);
    expect(outcomes('mesh-basics', 'lattice')('access-log')).toEqual(['gateway-v logging.accessLog: dropped']);
  });

  it('Service Connect moves the weighted splits to the load balancer and cannot keep the splitting names', () => {
    const of = outcomes('ingress-gateway-ecs', 'service-connect');
    expect(of('weighted-targets')).toEqual(['colorteller-vr-1 routes[colorteller-route-1]: partly', 'colorteller-vr-2 routes[colorteller-route-2]: partly']);
    expect(of('virtual-service').every((line) => line.endsWith('dropped'))).toBe(true);
    expect(of('ecs-envoy-proxy').every((line) => line.endsWith('not-needed'))).toBe(true);
  });
});

describe('the translation log', () => {
  const walkthrough = walkthroughs.find((w) => w.name === 'mesh-basics')!;
  const uses = featuresOf(walkthrough);
  const mesh = uses.find((u) => u.feature === 'mesh')!;

  it('refuses a feature the policy calls carried when the renderer wrote nothing for it', () => {
    const log = new TranslationLog('istio');
    expect(() => log.resolve([mesh], { mesh: { status: 'carried' } })).toThrow(/should be carried, but the renderer wrote nothing for it/);
  });

  it('refuses evidence for a use the definition does not have', () => {
    const log = new TranslationLog('istio');
    log.carry('mesh@main:Mesh//no-such-mesh#', { cluster: 'main', kind: 'Namespace', name: 'x' });
    expect(() => log.resolve([mesh], { mesh: { status: 'carried' } })).toThrow(/which the definition does not use/);
  });

  it('refuses a feature with no policy', () => {
    expect(() => new TranslationLog('istio').resolve([mesh], {})).toThrow(/no policy for mesh/);
  });
});
