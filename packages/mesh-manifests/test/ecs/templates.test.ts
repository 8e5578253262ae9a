/**
 * The ECS CloudFormation: every resource type, property and attribute exists in the CloudFormation
 * resource specification and every required property is there; the stepped templates deploy, at
 * each step, exactly what that step's state renders; and the task facts of ingress-gateway-ecs read
 * back from the YAML a learner deploys: the ones the AWS howto-ingress-gateway templates use
 * (Fargate 256 CPU / 512 MiB, the APPMESH proxy configuration, Envoy as UID 1337 with its admin
 * health check, the gateway's StatsD agent), so the guide's checks behave as the original's did.
 */
import type { SpecDatabase } from '@aws-cdk/service-spec-types';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clusterMesh } from '../../src/render/cli-json/objects.js';
import { ecsStacks, renderEcs } from '../../src/render/ecs/index.js';
import { mergeSteps } from '../../src/render/ecs/steps.js';
import { appMeshCfn, logicalId } from '../../src/render/ecs/template.js';
import { renderEks } from '../../src/render/eks/index.js';
import { canonical } from '../../src/render/yaml.js';
import { stateAt } from '../../src/model/state.js';
import type { Walkthrough } from '../../src/model/walkthrough.js';
import { walkthroughs, ingressGatewayEcs } from '../../src/walkthroughs/index.js';
import { checkTemplate, specDatabase } from './cfn-spec.js';
import { atStep } from './evaluate.js';
import { musicOnEcs } from './fixture.js';

type Obj = Record<string, unknown>;
let db: SpecDatabase;
beforeAll(async () => {
  db = await specDatabase();
});

const ecsFiles = walkthroughs.flatMap((w) => renderEcs(w));
const rendered = new Map(renderEcs(ingressGatewayEcs).map((f) => [f.path.split('/').at(-1)!, parse(f.content) as Obj]));
const services = rendered.get('services.yaml')!;
const mesh = rendered.get('mesh.yaml')!;
const base = rendered.get('base.yaml')!;

function resources(template: Obj): Record<string, Obj> {
  return template.Resources as Record<string, Obj>;
}
function props(template: Obj, id: string): Obj {
  const resource = resources(template)[id];
  if (!resource) throw new Error(`no resource ${id}; have ${Object.keys(resources(template)).join(', ')}`);
  return resource.Properties as Obj;
}
function containers(template: Obj, workload: string): Obj[] {
  return props(template, `${logicalId(workload)}TaskDefinition`).ContainerDefinitions as Obj[];
}
function container(template: Obj, workload: string, name: string): Obj {
  const found = containers(template, workload).find((c) => c.Name === name);
  if (!found) throw new Error(`${workload} has no container ${name}`);
  return found;
}
function env(c: Obj): Record<string, unknown> {
  return Object.fromEntries(((c.Environment as { Name: string; Value: unknown }[]) ?? []).map((e) => [e.Name, e.Value]));
}

describe('the CloudFormation resource specification', () => {
  it('renders the ECS walkthrough, and only ECS walkthroughs, into ecs/', () => {
    expect(ecsFiles.map((f) => f.path).sort()).toEqual(['ecs/ingress-gateway-ecs/appmesh/base.yaml', 'ecs/ingress-gateway-ecs/appmesh/mesh.yaml', 'ecs/ingress-gateway-ecs/appmesh/services.yaml']);
  });

  it.each(ecsFiles.map((f) => [f.path, f.content]))('%s: every type, property and reference is in the spec', (_path, content) => {
    expect(checkTemplate(db, parse(content) as Obj)).toEqual([]);
  });

  it('also holds for the fixture walkthrough (X-Ray, HTTP Cloud Map, a step that adds a task)', () => {
    for (const file of renderEcs(musicOnEcs)) expect([file.path, checkTemplate(db, parse(file.content) as Obj)]).toEqual([file.path, []]);
  });

  it('also holds for the EKS walkthroughs’ CloudFormation', () => {
    const templates = walkthroughs.flatMap((w) => renderEks(w)).filter((f) => f.path.includes('/cloudformation/'));
    expect(templates.length).toBeGreaterThan(0);
    for (const file of templates) expect([file.path, checkTemplate(db, parse(file.content) as Obj)]).toEqual([file.path, []]);
  });

  it('catches what cfn-lint would: misspelt and missing properties, wrong types, unknown types and attributes, undeclared conditions', () => {
    const broken = structuredClone(services);
    const task = props(broken, 'ColortellerWhiteTaskDefinition');
    (task.ContainerDefinitions as Obj[])[0]!.Imagee = 'typo';
    delete (task.ContainerDefinitions as Obj[])[1]!.Image;
    (task.ContainerDefinitions as Obj[])[1]!.Essential = 'yes';
    resources(broken).Extra = { Type: 'AWS::ECS::Servicee', Properties: {} };
    props(broken, 'ColorgatewayService').ServiceRegistries = [{ RegistryArn: { 'Fn::GetAtt': ['ColorgatewayDiscoveryService', 'Url'] } }];
    resources(broken).ColorgatewayListener!.Condition = 'Never';
    const problems = checkTemplate(db, broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/ContainerDefinitions\[0\]\.Imagee: ContainerDefinition has no property Imagee/),
        expect.stringMatching(/ContainerDefinitions\[1\]: ContainerDefinition requires Image/),
        expect.stringMatching(/ContainerDefinitions\[1\]\.Essential: expected a boolean/),
        expect.stringMatching(/Resources\.Extra: unknown resource type AWS::ECS::Servicee/),
        expect.stringMatching(/AWS::ServiceDiscovery::Service has no attribute Url/),
        expect.stringMatching(/ColorgatewayListener: undeclared condition Never/),
      ]),
    );
    const mutated = structuredClone(mesh);
    const spec = props(mutated, 'VirtualNodeColortellerWhiteVn').Spec as Obj;
    (spec.ServiceDiscovery as Obj).Dns = (spec.ServiceDiscovery as Obj).DNS;
    delete (spec.ServiceDiscovery as Obj).DNS;
    expect(checkTemplate(db, mutated)).toEqual([expect.stringMatching(/ServiceDiscovery\.Dns: ServiceDiscovery has no property Dns/)]);
  });
});

describe('steps', () => {
  it('deploying a stepped template at a step gives exactly that step’s template', () => {
    for (const walkthrough of [ingressGatewayEcs, musicOnEcs]) {
      for (const stack of ecsStacks(walkthrough)) {
        walkthrough.steps.forEach((step, i) => {
          const evaluated = stack.stepped ? atStep(stack.template as unknown as Obj, step.name) : stack.template;
          expect(canonical(evaluated, []), `${stack.path} at ${step.name}`).toEqual(canonical(stack.perStep[i], []));
        });
      }
    }
  });

  it('the mesh stack at each step holds the same specs as the CLI JSON of that step', () => {
    for (const step of ingressGatewayEcs.steps) {
      const evaluated = atStep(mesh, step.name);
      const objects = clusterMesh(ingressGatewayEcs, stateAt(ingressGatewayEcs, step.name)[0]!).objects;
      for (const object of objects.filter((o) => o.document.kind === 'VirtualNode' || o.document.kind === 'VirtualGateway')) {
        const id = logicalId(object.document.kind, object.awsName);
        expect(props(evaluated, id).Spec, `${id} at ${step.name}`).toEqual(appMeshCfn(object.document.input.spec));
      }
    }
  });

  it('switches TLS on node by node: white and the gateway at partial-tls, the rest at full-tls', () => {
    const tls = (step: string) =>
      Object.fromEntries(
        ['White', 'Blue', 'Black', 'Red'].map((c) => {
          const listener = (props(atStep(mesh, step), `VirtualNodeColorteller${c}Vn`).Spec as { Listeners: Obj[] }).Listeners[0]!;
          return [c.toLowerCase(), listener.TLS ?? null];
        }),
      );
    const strict = { Mode: 'STRICT', Certificate: { File: { CertificateChain: '/certs/colorteller_cert_chain.pem', PrivateKey: '/certs/colorteller_key.pem' } } };
    expect(tls('plain')).toEqual({ white: null, blue: null, black: null, red: null });
    expect(tls('partial-tls')).toEqual({ white: strict, blue: null, black: null, red: null });
    expect(tls('full-tls')).toEqual({ white: strict, blue: strict, black: strict, red: strict });
    const gateway = (step: string) => (props(atStep(mesh, step), 'VirtualGatewayColorgatewayVg').Spec as Obj).BackendDefaults;
    expect(gateway('plain')).toBeUndefined();
    expect(gateway('partial-tls')).toEqual({ ClientPolicy: { TLS: { Validation: { Trust: { File: { CertificateChain: '/certs/ca_cert.pem' } } } } } });
  });

  it('gives a task the TLS files, from SSM through an init container, from the step its Envoy reads them', () => {
    const names = (step: string, workload: string) => containers(atStep(services, step), workload).map((c) => c.Name);
    expect(names('plain', 'colorteller-white')).toEqual(['app', 'envoy']);
    expect(names('partial-tls', 'colorteller-white')).toEqual(['app', 'envoy', 'certs']);
    expect(names('partial-tls', 'colorteller-blue')).toEqual(['app', 'envoy']);
    expect(names('full-tls', 'colorteller-blue')).toEqual(['app', 'envoy', 'certs']);
    expect(names('partial-tls', 'colorgateway')).toEqual(['envoy', 'cloudwatch-agent', 'certs']);

    const at = atStep(services, 'partial-tls');
    const secrets = (workload: string) => (container(at, workload, 'certs').Secrets as { Name: string; ValueFrom: { 'Fn::Sub': string } }[]).map((s) => s.ValueFrom['Fn::Sub'].replace(/^.*:parameter/, ''));
    expect(secrets('colorteller-white')).toEqual(['/amw/ingress-gateway-ecs/colorapp-ca/colorteller_cert_chain.pem', '/amw/ingress-gateway-ecs/colorapp-ca/colorteller_key.pem']);
    expect(secrets('colorgateway')).toEqual(['/amw/ingress-gateway-ecs/colorapp-ca/ca_cert.pem']);
    const init = container(at, 'colorteller-white', 'certs');
    expect(init).toMatchObject({ Essential: false, User: '0', MountPoints: [{ SourceVolume: 'tls-certs', ContainerPath: '/certs' }] });
    expect((init.Command as string[])[0]).toMatch(/printf '%s\\n' "\$PEM_COLORTELLER_KEY" > \/certs\/colorteller_key\.pem.*chown 1337 .*chmod 0400/);
    expect(container(at, 'colorteller-white', 'envoy')).toMatchObject({
      DependsOn: [{ ContainerName: 'certs', Condition: 'SUCCESS' }],
      MountPoints: [{ SourceVolume: 'tls-certs', ContainerPath: '/certs', ReadOnly: true }],
    });
    const readTls = ((props(base, 'TaskExecutionRole').Policies as Obj[])[0]!.PolicyDocument as { Statement: Obj[] }).Statement[0];
    expect(readTls).toMatchObject({ Action: ['ssm:GetParameters'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/amw/ingress-gateway-ecs/*' }] });
  });

  it('keeps every step’s resources when a step adds a task (fixture), and merges nothing else', () => {
    const stack = ecsStacks(musicOnEcs).find((s) => s.role === 'services')!;
    const r = stack.template.Resources;
    expect(r.JazzV2TaskDefinition?.Condition).toBe('StepIsCanary');
    expect(r.JazzV2Service?.Condition).toBe('StepIsCanary');
    expect(r.JazzV1TaskDefinition?.Condition).toBeUndefined();
    const meshStack = ecsStacks(musicOnEcs).find((s) => s.role === 'mesh')!;
    expect(meshStack.template.Resources.VirtualNodeJazzV2?.Condition).toBe('StepIsCanary');
    expect(() => mergeSteps(['a', 'b'], [stack.perStep[0]!, { ...stack.perStep[1]!, Parameters: {} }], 'test')).toThrow(/parameters differ between steps/);
    expect(mergeSteps(['a', 'b'], [stack.perStep[0]!, stack.perStep[0]!], 'test')).toBe(stack.perStep[0]);
  });
});

describe('the ECS task facts of ingress-gateway-ecs, read back from services.yaml', () => {
  const plain = atStep(services, 'plain');

  it.each(['white', 'blue', 'black', 'red'])('colorteller-%s: Fargate, APPMESH proxy, Envoy as 1337 with the admin health check, the app after a HEALTHY Envoy', (color) => {
    const task = props(plain, `${logicalId('colorteller', color)}TaskDefinition`);
    expect(task).toMatchObject({ RequiresCompatibilities: ['FARGATE'], NetworkMode: 'awsvpc', Cpu: '256', Memory: '512' });
    expect(task.ProxyConfiguration).toEqual({
      Type: 'APPMESH',
      ContainerName: 'envoy',
      ProxyConfigurationProperties: [
        { Name: 'IgnoredUID', Value: '1337' },
        { Name: 'ProxyIngressPort', Value: '15000' },
        { Name: 'ProxyEgressPort', Value: '15001' },
        { Name: 'AppPorts', Value: '9080' },
        { Name: 'EgressIgnoredIPs', Value: '169.254.170.2,169.254.169.254' },
      ],
    });
    const envoy = container(plain, `colorteller-${color}`, 'envoy');
    expect(envoy).toMatchObject({ User: '1337', Essential: true, Image: { Ref: 'EnvoyImage' }, Ulimits: [{ Name: 'nofile', SoftLimit: 15000, HardLimit: 15000 }] });
    expect(envoy.HealthCheck).toEqual({ Command: ['CMD-SHELL', 'curl -s http://localhost:9901/server_info | grep state | grep -q LIVE'], Interval: 5, Timeout: 2, Retries: 3 });
    expect(env(envoy)).toEqual({ APPMESH_RESOURCE_ARN: `mesh/ColorApp-Ingress/virtualNode/colorteller-${color}-vn` });
    const app = container(plain, `colorteller-${color}`, 'app');
    expect(app).toMatchObject({ Image: { 'Fn::Sub': '${ImageRegistry}/amw/colorteller:latest' }, User: '1000:1000', DependsOn: [{ ContainerName: 'envoy', Condition: 'HEALTHY' }] });
    expect(env(app)).toEqual({ COLOR: color, SERVER_PORT: '9080' });
    expect(app.PortMappings).toEqual([{ ContainerPort: 9080, Protocol: 'tcp' }]);
  });

  it('colorgateway: Envoy as the main container, a CloudWatch agent on 8125/udp, no proxy configuration, behind the NLB', () => {
    const task = props(plain, 'ColorgatewayTaskDefinition');
    expect(task.ProxyConfiguration).toBeUndefined();
    const envoy = container(plain, 'colorgateway', 'envoy');
    expect(envoy.User).toBeUndefined();
    expect(env(envoy)).toEqual({
      APPMESH_RESOURCE_ARN: 'mesh/ColorApp-Ingress/virtualGateway/colorgateway-vg',
      ENABLE_ENVOY_DOG_STATSD: '1',
      ENABLE_ENVOY_STATS_TAGS: '1',
      STATSD_PORT: '8125',
    });
    expect(envoy.PortMappings).toEqual([{ ContainerPort: 9901, Protocol: 'tcp' }, { ContainerPort: 9080, Protocol: 'tcp' }]);
    const agent = container(plain, 'colorgateway', 'cloudwatch-agent');
    expect(agent.PortMappings).toEqual([{ ContainerPort: 8125, Protocol: 'udp' }]);
    expect(JSON.parse(String(env(agent).CW_CONFIG_CONTENT))).toMatchObject({ metrics: { metrics_collected: { statsd: { service_address: ':8125' } } } });
    expect(props(plain, 'ColorgatewayListener')).toMatchObject({ Port: 80, Protocol: 'TCP', DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: 'ColorgatewayTargetGroup' } }] });
    expect(props(plain, 'ColorgatewayTargetGroup')).toMatchObject({ TargetType: 'ip', Protocol: 'TCP', Port: 9080 });
    expect(props(plain, 'ColorgatewayLoadBalancer')).toMatchObject({ Type: 'network', Scheme: 'internet-facing' });
    expect(props(plain, 'ColorgatewayService')).toMatchObject({ LoadBalancers: [{ ContainerName: 'envoy', ContainerPort: 9080 }], EnableExecuteCommand: true });
    expect((services.Outputs as Obj).GatewayEndpoint).toMatchObject({ Value: { 'Fn::GetAtt': ['ColorgatewayLoadBalancer', 'DNSName'] } });
  });

  it('registers every task in its own Cloud Map service of the private DNS namespace (A, TTL 300)', () => {
    for (const name of ['colorteller-white', 'colorteller-blue', 'colorteller-black', 'colorteller-red', 'colorgateway']) {
      const id = logicalId(name);
      expect(props(plain, `${id}DiscoveryService`)).toMatchObject({
        Name: name,
        NamespaceId: { Ref: 'DefaultSvcClusterLocalNamespaceId' },
        DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 300 }] },
      });
      expect(props(plain, `${id}Service`).ServiceRegistries).toEqual([{ RegistryArn: { 'Fn::GetAtt': [`${id}DiscoveryService`, 'Arn'] } }]);
    }
    expect(props(base, 'DefaultSvcClusterLocalNamespace')).toMatchObject({ Name: 'default.svc.cluster.local', Vpc: { Ref: 'VpcId' } });
  });

  it('lets Envoy stream its configuration for this mesh only', () => {
    const statements = ((props(base, 'TaskRole').Policies as Obj[])[0]!.PolicyDocument as { Statement: Obj[] }).Statement;
    expect(statements[0]).toEqual({
      Effect: 'Allow',
      Action: ['appmesh:StreamAggregatedResources'],
      Resource: [
        { 'Fn::Sub': 'arn:${AWS::Partition}:appmesh:${AWS::Region}:${AWS::AccountId}:mesh/ColorApp-Ingress/virtualNode/*' },
        { 'Fn::Sub': 'arn:${AWS::Partition}:appmesh:${AWS::Region}:${AWS::AccountId}:mesh/ColorApp-Ingress/virtualGateway/*' },
      ],
    });
  });
});

describe('a general renderer', () => {
  it('runs X-Ray daemons as 1337 beside Envoy, registers awsCloudMap nodes, and gives the task role what the sidecars need', () => {
    const stacks = ecsStacks(musicOnEcs);
    const svc = atStep(stacks.find((s) => s.role === 'services')!.template as unknown as Obj, 'v1');
    const xray = container(svc, 'jazz-v1', 'xray-daemon');
    expect(xray).toMatchObject({ User: '1337', PortMappings: [{ ContainerPort: 2000, Protocol: 'udp' }] });
    expect(env(container(svc, 'jazz-v1', 'envoy'))).toMatchObject({ ENABLE_ENVOY_XRAY_TRACING: '1', APPMESH_RESOURCE_ARN: 'mesh/music/virtualNode/jazz-v1' });
    expect(props(svc, 'JazzV1DiscoveryService')).toEqual({ Name: 'jazz-v1', NamespaceId: { Ref: 'MusicLocalNamespaceId' }, HealthCheckCustomConfig: {} });
    expect(props(svc, 'CurlTaskDefinition').ProxyConfiguration).toBeUndefined();
    expect(containers(svc, 'curl').map((c) => c.Name)).toEqual(['curl']);
    const baseTemplate = stacks.find((s) => s.role === 'base')!.template;
    expect(baseTemplate.Resources.MusicLocalNamespace?.Type).toBe('AWS::ServiceDiscovery::HttpNamespace');
    expect(JSON.stringify(baseTemplate.Resources.TaskRole)).toContain('xray:PutTraceSegments');
    const meshTemplate = atStep(stacks.find((s) => s.role === 'mesh')!.template as unknown as Obj, 'canary');
    expect((props(meshTemplate, 'VirtualNodeDj').Spec as Obj).Backends).toEqual([
      { VirtualService: { VirtualServiceName: { 'Fn::GetAtt': ['VirtualServiceJazzMusicLocal', 'VirtualServiceName'] } } },
    ]);
  });

  it('refuses what ECS cannot run, saying why', () => {
    const withResources = (edit: (w: Walkthrough) => void) => {
      const copy = structuredClone(musicOnEcs);
      edit(copy);
      return () => ecsStacks(copy);
    };
    const node = (w: Walkthrough, name: string) => w.clusters[0]!.resources.find((r) => r.kind === 'VirtualNode' && r.metadata.name === name) as { spec: Obj };
    const work = (w: Walkthrough, name: string) => w.clusters[0]!.resources.find((r) => r.kind === 'Workload' && r.metadata.name === name) as { spec: Obj };
    expect(withResources((w) => (node(w, 'dj').spec.serviceDiscovery = { dns: { hostname: 'dj.elsewhere.local' } }))).toThrow(
      /node dj's hostname dj\.elsewhere\.local is a service of no private DNS namespace/,
    );
    expect(withResources((w) => ((work(w, 'dj').spec.ecs as { proxyConfiguration: { appPorts: number[] } }).proxyConfiguration.appPorts = [8080]))).toThrow(
      /sends AppPorts 8080 to Envoy but its node listens on 9080/,
    );
    expect(withResources((w) => void delete work(w, 'curl').spec.ecs)).toThrow(/workload curl has no ECS task facts/);
    expect(
      withResources((w) => {
        (node(w, 'dj').spec.listeners as Obj[])[0]!.tls = { mode: 'STRICT', certificate: { file: { certificateChain: '/etc/dj.pem', privateKey: '/etc/dj.key' } } };
      }),
    ).toThrow(/Envoy reads \/etc\/dj\.key, which no CertificateAuthority of the walkthrough issues/);
    expect(withResources((w) => ((w.clusters[0]!.resources[0] as { spec: Obj }).spec.meshOwner = '111122223333'))).toThrow(/a mesh shared from another account/);
  });
});

describe('output', () => {
  it('is deterministic, YAML with a generated-file header that says how to deploy it', () => {
    expect(walkthroughs.flatMap((w) => renderEcs(w))).toEqual(ecsFiles);
    for (const file of ecsFiles) {
      expect(file.content).toMatch(/^# Generated by @amw\/mesh-manifests from packages\/mesh-manifests\/src\/walkthroughs\/ingress-gateway-ecs\.ts\.\n# Do not edit by hand/);
      expect(file.content).toContain(`aws cloudformation deploy --stack-name ingress-gateway-ecs-`);
      expect(file.content).not.toMatch(/aws:cdk|BootstrapVersion|CDKMetadata/);
    }
  });
});
