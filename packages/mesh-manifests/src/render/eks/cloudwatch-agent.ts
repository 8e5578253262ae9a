/**
 * The CloudWatch agent that receives Envoy's DogStatsD metrics on EKS: one per node (a DaemonSet),
 * outside the mesh, as AWS's own EKS set-ups run it — not a sidecar. Beside Envoy it would have to
 * run as Envoy's UID 1337 (so the iptables rules leave its calls to CloudWatch alone), but at start
 * it writes its translated configuration under its install folder, which that UID cannot do: the
 * container fails (aws-app-mesh-roadmap#122). On its own node and outside the mesh it runs as the
 * image's user with nothing redirected, and Envoy sends to the node's address instead of
 * 127.0.0.1 (the App Mesh injector turns `STATSD_ADDRESS=ref:status.hostIP` into the node's IP).
 */
import { SIDECARS } from '../../model/components.js';
import { K8S } from '../../model/kubernetes.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import type { Workload } from '../../model/workload.js';
import { accountId } from './kustomize.js';
import type { EmittedObject } from './output.js';

export const CLOUDWATCH_AGENT_NAMESPACE = 'amazon-cloudwatch';
export const CLOUDWATCH_AGENT_ACCOUNT = 'cloudwatch-agent';
/** AWS's managed policy for the agent: PutMetricData and the reads it does at start. */
export const CLOUDWATCH_AGENT_POLICY = 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy';
/** What Envoy's STATSD_ADDRESS says so that the injector gives it the node's IP. */
export const NODE_IP_REFERENCE = 'ref:status.hostIP';

export function usesCloudWatchAgent(workload: Workload): boolean {
  return workload.spec.sidecars?.includes('cloudwatch-agent') ?? false;
}

export function cloudWatchAgentRoleName(walkthrough: Walkthrough): string {
  return `${walkthrough.name}-cloudwatch-agent`;
}

/** The agent's configuration, which every workload that sends to it must agree on: there is one agent per node. */
function agentConfiguration(walkthrough: Walkthrough, workloads: readonly Workload[]): Record<string, string> {
  const configurations = new Map(workloads.map((w) => [JSON.stringify(w.spec.sidecarEnv?.['cloudwatch-agent'] ?? {}), w.metadata.name]));
  if (configurations.size > 1) {
    throw new Error(`${walkthrough.name}: workloads ${[...configurations.values()].join(', ')} configure the CloudWatch agent differently; on EKS one agent per node serves them all`);
  }
  return JSON.parse([...configurations.keys()][0]!) as Record<string, string>;
}

/** Nothing when no workload of the cluster's state sends metrics to an agent. */
export function cloudWatchAgentObjects(walkthrough: Walkthrough, cluster: Cluster, workloads: readonly Workload[]): EmittedObject[] {
  const senders = workloads.filter(usesCloudWatchAgent);
  if (!senders.length) return [];
  const facts = SIDECARS['cloudwatch-agent'];
  const statsd = facts.ports.find((p) => p.name === 'statsd')!.port;
  const env = agentConfiguration(walkthrough, senders);
  const labels = { app: 'cloudwatch-agent' };
  const role = `arn:aws:iam::${accountId(walkthrough, cluster.account)}:role/${cloudWatchAgentRoleName(walkthrough)}`;
  return [
    {
      file: 'cloudwatch-agent.yaml',
      object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: CLOUDWATCH_AGENT_NAMESPACE } },
      comment: 'Outside the mesh: no Envoy is injected here, so the agent’s calls to CloudWatch go out directly.',
    },
    {
      file: 'cloudwatch-agent.yaml',
      object: {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: CLOUDWATCH_AGENT_ACCOUNT, namespace: CLOUDWATCH_AGENT_NAMESPACE, annotations: { [K8S.irsaAnnotation]: role } },
      },
      comment: `The agent assumes IAM role ${cloudWatchAgentRoleName(walkthrough)} (IRSA), which carries AWS’s CloudWatchAgentServerPolicy.`,
    },
    {
      file: 'cloudwatch-agent.yaml',
      object: {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'cloudwatch-agent', namespace: CLOUDWATCH_AGENT_NAMESPACE, labels },
        spec: {
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: CLOUDWATCH_AGENT_ACCOUNT,
              containers: [
                {
                  name: 'cloudwatch-agent',
                  image: facts.image,
                  env: Object.keys(env).sort().map((name) => ({ name, value: env[name]! })),
                  ports: [{ name: 'statsd', containerPort: statsd, hostPort: statsd, protocol: 'UDP' }],
                  resources: { requests: { ...facts.resources.requests }, limits: { ...facts.resources.limits } },
                  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                },
              ],
            },
          },
        },
      },
      comment: [
        'One agent per node receives DogStatsD on the node’s port 8125/udp (hostPort) from every Envoy there,',
        `and publishes the metrics to CloudWatch. It runs as the image’s own user: it writes its translated`,
        'configuration under /opt/aws/amazon-cloudwatch-agent at start, which a non-root UID cannot do there.',
      ].join('\n'),
    },
  ];
}
