/**
 * A Workload as a Fargate task definition: the app with its Envoy sidecar and the APPMESH proxy
 * configuration (or, for a virtual gateway, Envoy as the main container), observability sidecars,
 * and the init container that puts TLS files where Envoy reads them. Every fact comes from the
 * workload's `ecs` task facts and the components table; nothing is assumed per walkthrough.
 */
import { COMPONENTS, isOurApp, OUR_IMAGE_REPOSITORY_PREFIX, OUR_IMAGE_TAG, SIDECARS, THIRD_PARTY_IMAGES, type SidecarComponent } from '../../model/components.js';
import type { Workload } from '../../model/workload.js';
import { mainContainerName } from '../eks/deployment.js';
import type { CertificateFile } from './certificates.js';
import { ref, sub, type Json } from './template.js';

export const ENVOY_CONTAINER = 'envoy';
export const CERTIFICATES_CONTAINER = 'certs';

export interface TaskInputs {
  walkthrough: string;
  workload: Workload;
  /** `mesh/<mesh>/virtualNode/<node>` or `…/virtualGateway/<gateway>`; absent for a task without Envoy. */
  resourceArn?: string;
  /** TLS files this task's Envoy reads at this step. */
  certificates: readonly CertificateFile[];
}

function environment(env: Record<string, Json> | undefined): Json[] {
  return Object.keys(env ?? {})
    .sort()
    .map((name) => ({ Name: name, Value: env![name]! }));
}

function logging(prefix: string): Json {
  return {
    LogDriver: 'awslogs',
    Options: { 'awslogs-group': ref('LogGroup'), 'awslogs-region': ref('AWS::Region'), 'awslogs-stream-prefix': prefix },
  };
}

function envoyHealthCheck(adminPort: number, startPeriod?: number): Json {
  return {
    Command: ['CMD-SHELL', `curl -s http://localhost:${adminPort}/server_info | grep state | grep -q LIVE`],
    Interval: 5,
    Timeout: 2,
    Retries: 3,
    ...(startPeriod ? { StartPeriod: startPeriod } : {}),
  };
}

function certificateVolume(directory: string): string {
  return `tls${directory.replace(/[^a-z0-9]+/gi, '-').toLowerCase().replace(/-$/, '')}`;
}

/** Writes each PEM from its environment variable, owned by Envoy's UID and readable by it alone. */
function certificateScript(files: readonly CertificateFile[], envoyUid: string): string {
  const writes = files.map((f) => `printf '%s\\n' "$${f.variable}" > ${f.path}`);
  const paths = files.map((f) => f.path).join(' ');
  return ['set -eu', 'umask 077', ...writes, `chown ${envoyUid} ${paths}`, `chmod 0400 ${paths}`].join('; ');
}

function certificateContainers(inputs: TaskInputs): { init?: Json; envoyMounts: Json[]; volumes: string[] } {
  const files = inputs.certificates;
  if (!files.length) return { envoyMounts: [], volumes: [] };
  const directories = [...new Set(files.map((f) => f.directory))].sort();
  const envoyUid = inputs.workload.spec.ecs!.envoy.user ?? String(COMPONENTS['envoy-gateway'].runAsUser);
  const init: Json = {
    Name: CERTIFICATES_CONTAINER,
    Image: ref('EnvoyImage'),
    Essential: false,
    // Root only to hand the files to Envoy's UID; it exits before Envoy starts.
    User: '0',
    EntryPoint: ['sh', '-c'],
    Command: [certificateScript(files, envoyUid)],
    Secrets: files.map((f) => ({
      Name: f.variable,
      ValueFrom: sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${f.parameter}`),
    })),
    MountPoints: directories.map((d) => ({ SourceVolume: certificateVolume(d), ContainerPath: d })),
    LogConfiguration: logging(`${inputs.workload.metadata.name}-${CERTIFICATES_CONTAINER}`),
  };
  return {
    init,
    envoyMounts: directories.map((d) => ({ SourceVolume: certificateVolume(d), ContainerPath: d, ReadOnly: true })),
    volumes: directories.map(certificateVolume),
  };
}

/**
 * The CloudWatch agent writes its translated configuration under its install folder at start, which
 * only the image's own user (root) may do: as Envoy's UID it would stop, and with it the task. It
 * therefore only rides in a task with no proxy configuration — a gateway, whose Envoy is the main
 * container — where nothing redirects its calls to CloudWatch and no UID has to be exempted.
 */
function sidecarUser(workload: Workload, name: SidecarComponent): Record<string, Json> {
  if (name !== 'cloudwatch-agent') return { User: String(SIDECARS[name].runAsUser) };
  if (workload.spec.ecs?.proxyConfiguration) {
    throw new Error(
      `workload ${workload.metadata.name}: a CloudWatch agent cannot ride in a task with an App Mesh proxy configuration (it would need Envoy's UID, as which it cannot start); send the metrics to an agent in a task of its own`,
    );
  }
  return {};
}

function sidecar(workload: Workload, name: SidecarComponent): Json {
  const facts = SIDECARS[name];
  const env: Record<string, Json> = { ...workload.spec.sidecarEnv?.[name] };
  // The daemon finds no region on its own inside a Fargate task.
  if (name === 'xray-daemon') env.AWS_REGION = ref('AWS::Region');
  return {
    Name: name,
    Image: facts.image,
    Essential: true,
    // Envoy's UID for the X-Ray daemon: the proxy configuration leaves its traffic to X-Ray alone.
    ...sidecarUser(workload, name),
    PortMappings: facts.ports.map((p) => ({ ContainerPort: p.port, Protocol: p.protocol.toLowerCase() })),
    ...(Object.keys(env).length ? { Environment: environment(env) } : {}),
    LogConfiguration: logging(`${workload.metadata.name}-${name}`),
  };
}

function image(workload: Workload): Json {
  const component = workload.spec.component;
  if (isOurApp(component)) return sub(`\${ImageRegistry}/${OUR_IMAGE_REPOSITORY_PREFIX}/${component}:${OUR_IMAGE_TAG}`);
  if (component === 'envoy-gateway') return ref('EnvoyImage');
  if (component === 'kong') throw new Error(`workload ${workload.metadata.name}: Kong runs on EKS only`);
  return THIRD_PARTY_IMAGES[component];
}

export interface TaskDefinition {
  properties: Record<string, Json>;
  /** The container and port a load balancer sends traffic to (a task may listen on nothing). */
  mainContainer: string;
  mainPort?: number;
  proxied: boolean;
}

export function taskDefinition(inputs: TaskInputs): TaskDefinition {
  const { workload } = inputs;
  const ecs = workload.spec.ecs;
  if (!ecs) throw new Error(`${inputs.walkthrough}: workload ${workload.metadata.name} has no ECS task facts (spec.ecs)`);
  const spec = workload.spec;
  const mainPort = spec.ports[0]?.port;
  const proxyEnv = { APPMESH_RESOURCE_ARN: inputs.resourceArn ?? '', ...spec.proxyEnv };
  const certs = certificateContainers(inputs);
  const envoyDependsOn: Record<string, Json> = certs.init ? { DependsOn: [{ ContainerName: CERTIFICATES_CONTAINER, Condition: 'SUCCESS' }] } : {};
  const envoyMounts: Record<string, Json> = certs.envoyMounts.length ? { MountPoints: certs.envoyMounts } : {};
  const containers: Json[] = [];
  const volumes: string[] = [...certs.volumes];
  const ulimits = [{ Name: 'nofile', SoftLimit: ecs.envoy.ulimitNofile, HardLimit: ecs.envoy.ulimitNofile }];
  let mainContainer: string;

  if (spec.component === 'envoy-gateway') {
    if (ecs.proxyConfiguration) throw new Error(`${inputs.walkthrough}: gateway ${workload.metadata.name} runs Envoy as its main container and takes no proxy configuration`);
    mainContainer = ENVOY_CONTAINER;
    containers.push({
      Name: ENVOY_CONTAINER,
      Image: ref('EnvoyImage'),
      Essential: true,
      ...(ecs.envoy.user ? { User: ecs.envoy.user } : {}),
      Ulimits: ulimits,
      PortMappings: [ecs.envoy.adminPort, ...spec.ports.map((p) => p.port)].map((port) => ({ ContainerPort: port, Protocol: 'tcp' })),
      HealthCheck: envoyHealthCheck(ecs.envoy.adminPort, 60),
      Environment: environment(proxyEnv),
      ...envoyMounts,
      ...envoyDependsOn,
      LogConfiguration: logging(`${workload.metadata.name}-envoy`),
    });
  } else {
    const facts = COMPONENTS[spec.component];
    mainContainer = mainContainerName(workload);
    const proxy = ecs.proxyConfiguration;
    containers.push({
      Name: mainContainer,
      Image: image(workload),
      Essential: true,
      // Never 1337: that UID's traffic bypasses Envoy. The root filesystem stays writable: a Fargate
      // volume is a root-owned directory this user could not write to, so /tmp could not be one.
      User: `${facts.runAsUser}:${facts.runAsGroup}`,
      ...(spec.command ? { Command: [...spec.command] } : {}),
      ...(spec.ports.length ? { PortMappings: spec.ports.map((p) => ({ ContainerPort: p.port, Protocol: (p.protocol ?? 'TCP').toLowerCase() })) } : {}),
      ...(spec.env && Object.keys(spec.env).length ? { Environment: environment(spec.env) } : {}),
      ...(proxy && ecs.envoy.appDependsOnHealthyEnvoy ? { DependsOn: [{ ContainerName: ENVOY_CONTAINER, Condition: 'HEALTHY' }] } : {}),
      LogConfiguration: logging(workload.metadata.name),
    });
    if (proxy) {
      containers.push({
        Name: ENVOY_CONTAINER,
        Image: ref('EnvoyImage'),
        Essential: true,
        ...(ecs.envoy.user ? { User: ecs.envoy.user } : {}),
        Ulimits: ulimits,
        PortMappings: [ecs.envoy.adminPort, proxy.proxyIngressPort, proxy.proxyEgressPort].map((port) => ({ ContainerPort: port, Protocol: 'tcp' })),
        HealthCheck: envoyHealthCheck(ecs.envoy.adminPort),
        Environment: environment(proxyEnv),
        ...envoyMounts,
        ...envoyDependsOn,
        LogConfiguration: logging(`${workload.metadata.name}-envoy`),
      });
    }
  }
  for (const name of spec.sidecars ?? []) containers.push(sidecar(workload, name));
  if (certs.init) containers.push(certs.init);

  const proxy = ecs.proxyConfiguration;
  return {
    mainContainer,
    ...(mainPort === undefined ? {} : { mainPort }),
    proxied: !!proxy,
    properties: {
      Family: `${inputs.walkthrough}-${workload.metadata.name}`,
      RequiresCompatibilities: [ecs.launchType],
      NetworkMode: ecs.networkMode,
      Cpu: String(ecs.cpu),
      Memory: String(ecs.memory),
      TaskRoleArn: ref('TaskRoleArn'),
      ExecutionRoleArn: ref('TaskExecutionRoleArn'),
      ...(proxy
        ? {
            ProxyConfiguration: {
              Type: proxy.type,
              ContainerName: proxy.containerName,
              ProxyConfigurationProperties: [
                { Name: 'IgnoredUID', Value: String(proxy.ignoredUid) },
                { Name: 'ProxyIngressPort', Value: String(proxy.proxyIngressPort) },
                { Name: 'ProxyEgressPort', Value: String(proxy.proxyEgressPort) },
                { Name: 'AppPorts', Value: proxy.appPorts.join(',') },
                { Name: 'EgressIgnoredIPs', Value: proxy.egressIgnoredIps.join(',') },
              ],
            },
          }
        : {}),
      ContainerDefinitions: containers,
      ...(volumes.length ? { Volumes: volumes.sort().map((name) => ({ Name: name })) } : {}),
    },
  };
}
