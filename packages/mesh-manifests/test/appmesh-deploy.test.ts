/**
 * What a learner applies and deletes on App Mesh: no agent runs as a UID it cannot start as, the
 * images are the last releases, and the guides' clean-up and stack order leave nothing behind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { repositoryRoot } from '../src/cli/context.js';
import { LATEST_ENVOY_TAG } from '../src/lint/envoy-images.js';
import { THIRD_PARTY_IMAGES } from '../src/model/components.js';
import { APPMESH_ENVOY_IMAGE } from '../src/model/envoy-image.js';
import { renderEcs } from '../src/render/ecs/index.js';
import { yamlFiles } from '../src/validate/yaml-files.js';
import { walkthroughs } from '../src/walkthroughs/index.js';
import { musicOnEcs } from './ecs/fixture.js';

type Obj = { kind?: string; metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> } } & Record<string, unknown>;
type Container = { name: string; image?: string; securityContext?: { runAsUser?: number } };

const root = repositoryRoot();
const guide = (name: string) => readFileSync(join(root, 'docs/walkthroughs', `${name}.md`), 'utf8');
const appMeshPart = (text: string) => text.slice(0, text.search(/\n## On (Istio|Amazon VPC Lattice|ECS Service Connect)/) >>> 0 || text.length);
const cloudWatchImage = THIRD_PARTY_IMAGES['cloudwatch-agent'];

const appMeshObjects: Obj[] = walkthroughs
  .filter((w) => w.platform === 'eks')
  .flatMap((w) => yamlFiles(join(root, 'k8s', w.name, 'appmesh')))
  .filter((f) => !f.includes('/cloudformation/') && !f.endsWith('kustomization.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS() as Obj));

function podSpec(o: Obj): { containers: Container[]; serviceAccountName?: string } | undefined {
  return (o.spec as { template?: { spec: { containers: Container[] } } } | undefined)?.template?.spec;
}

describe('the CloudWatch agent on App Mesh', () => {
  it('is never a container beside Envoy in an App Mesh pod: it would need UID 1337, as which it cannot write its configuration', () => {
    const beside = appMeshObjects.filter((o) => o.kind === 'Deployment' && podSpec(o)!.containers.some((c) => c.image === cloudWatchImage));
    expect(beside.map((o) => o.metadata?.name)).toEqual([]);
  });

  it('runs once per node, outside the mesh, with its own IAM role, where Envoy sends DogStatsD to the node', () => {
    const daemonSets = appMeshObjects.filter((o) => o.kind === 'DaemonSet');
    expect(daemonSets.length).toBeGreaterThan(0);
    for (const ds of daemonSets) {
      expect(ds.metadata?.namespace).toBe('amazon-cloudwatch');
      const spec = podSpec(ds)!;
      const agent = spec.containers.find((c) => c.image === cloudWatchImage)!;
      expect(agent.securityContext?.runAsUser).toBeUndefined();
      expect(JSON.stringify(agent)).toContain('"hostPort":8125');
      const account = appMeshObjects.find((o) => o.kind === 'ServiceAccount' && o.metadata?.name === spec.serviceAccountName && o.metadata?.namespace === 'amazon-cloudwatch');
      expect(account?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/:role\/.+-cloudwatch-agent$/);
      const namespace = appMeshObjects.find((o) => o.kind === 'Namespace' && o.metadata?.name === 'amazon-cloudwatch');
      expect(JSON.stringify(namespace)).not.toContain('appmesh.k8s.aws/sidecarInjectorWebhook');
    }
    const senders = appMeshObjects.filter((o) => o.kind === 'Deployment' && JSON.stringify(o).includes('ENABLE_ENVOY_DOG_STATSD=1'));
    expect(senders.length).toBeGreaterThan(0);
    for (const d of senders) expect((d.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations['appmesh.k8s.aws/sidecarEnv']).toContain('STATSD_ADDRESS=ref:status.hostIP');
  });

  it('runs as the image’s user in an ECS gateway task, where no proxy configuration redirects it', () => {
    const agents = renderEcs(walkthroughs.find((w) => w.name === 'ingress-gateway-ecs')!)
      .filter((f) => f.path.endsWith('.yaml'))
      .flatMap((f) => Object.values((parse(f.content) as { Resources?: Record<string, { Type: string; Properties: Record<string, unknown> }> }).Resources ?? {}))
      .filter((r) => r.Type === 'AWS::ECS::TaskDefinition')
      .flatMap((r) => (r.Properties.ContainerDefinitions as Record<string, unknown>[]).filter((c) => c.Name === 'cloudwatch-agent').map((c) => ({ task: r.Properties, agent: c })));
    expect(agents.length).toBeGreaterThan(0);
    for (const { task, agent } of agents) {
      expect(task.ProxyConfiguration).toBeUndefined();
      expect(agent.User).toBeUndefined();
    }
  });

  it('is refused in an ECS task with a proxy configuration, with what to do instead', () => {
    const withAgent = structuredClone(musicOnEcs);
    const dj = withAgent.clusters[0]!.resources.find((r) => r.kind === 'Workload' && r.metadata.name === 'dj')!;
    if (dj.kind === 'Workload') dj.spec.sidecars = ['cloudwatch-agent'];
    expect(() => renderEcs(withAgent)).toThrow(/dj: a CloudWatch agent cannot ride in a task with an App Mesh proxy configuration .*send the metrics to an agent in a task of its own/);
  });
});

describe('images', () => {
  it('uses the Envoy the last App Mesh controller chart defaults to, which the lint knows as the newest', () => {
    expect(APPMESH_ENVOY_IMAGE).toBe(`public.ecr.aws/appmesh/aws-appmesh-envoy:${LATEST_ENVOY_TAG}`);
    expect(LATEST_ENVOY_TAG).toBe('v1.34.13.3-prod');
  });

  it('uses the last X-Ray daemon release', () => {
    expect(THIRD_PARTY_IMAGES['xray-daemon']).toBe('public.ecr.aws/xray/aws-xray-daemon:3.6.6');
  });
});

describe('App Mesh guides: deploy and clean up', () => {
  const eks = walkthroughs.filter((w) => w.platform === 'eks');

  it.each(eks.map((w) => w.name))('%s deletes every IRSA role it creates, before the stack whose policy the role holds', (name) => {
    const text = appMeshPart(guide(name));
    const clean = text.slice(text.indexOf('## Clean up'));
    const created = [...text.matchAll(/eksctl create iamserviceaccount --cluster (\S+) --namespace (\S+) --name (\S+)/g)].map((m) => `${m[1]} ${m[2]}/${m[3]}`);
    const deleted = [...clean.matchAll(/eksctl delete iamserviceaccount --cluster (\S+) --namespace (\S+) --name (\S+) --wait/g)].map((m) => `${m[1]} ${m[2]}/${m[3]}`);
    expect(created.length).toBeGreaterThan(0);
    expect(new Set(deleted)).toEqual(new Set(created));
    const lastRole = clean.lastIndexOf('eksctl delete iamserviceaccount');
    const iamStacks = [...clean.matchAll(/aws cloudformation delete-stack --stack-name (\S+-iam) /g)];
    expect(iamStacks.length).toBeGreaterThan(0);
    for (const stack of iamStacks) expect(stack.index!, stack[1]).toBeGreaterThan(lastRole);
  });

  it.each(eks.map((w) => w.name))('%s deploys a stack only after the stacks whose outputs it takes, and deletes every stack it deploys', (name) => {
    const text = appMeshPart(guide(name));
    const deploys = [...text.matchAll(/aws cloudformation deploy --stack-name (\S+)[^\n]*/g)].map((m) => ({ stack: m[1]!, line: m[0] }));
    for (const [i, { line }] of deploys.entries()) {
      for (const [, needed] of line.matchAll(/output of the (\S+) stack/g)) {
        const producer = deploys.findIndex((d) => d.stack.endsWith(`-${needed}`));
        expect(producer, `${name}: ${needed} stack before ${deploys[i]!.stack}`).toBeGreaterThanOrEqual(0);
        expect(producer, `${name}: ${needed} stack before ${deploys[i]!.stack}`).toBeLessThan(i);
      }
    }
    const clean = text.slice(text.indexOf('## Clean up'));
    const deleted = new Set([...clean.matchAll(/aws cloudformation delete-stack --stack-name (\S+)/g)].map((m) => m[1]));
    expect(deleted).toEqual(new Set(deploys.map((d) => d.stack)));
  });
});
