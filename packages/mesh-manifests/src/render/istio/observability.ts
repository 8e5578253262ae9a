/**
 * Istio's side of the walkthroughs' observability: Istio has no X-Ray tracer and no DogStatsD sink,
 * so an OpenTelemetry collector (the AWS Distro for OpenTelemetry, ADOT) takes the proxies' traces
 * over OTLP and sends them to X-Ray's OTLP endpoint, and scrapes the proxies' Prometheus stats into
 * CloudWatch metrics (embedded metric format). The istiod values name the collector as the mesh's
 * tracing provider, and, for a walkthrough across two clusters, the mesh, cluster and network.
 */
import { accountId } from '../eks/kustomize.js';
import type { EmittedObject } from '../eks/output.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import { fqdn } from '../mesh-graph.js';

export const COLLECTOR = 'adot-collector';
export const ADOT_SERVICE_ACCOUNT = COLLECTOR;
export const ADOT_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3';
/** The name istiod knows the collector by (meshConfig.extensionProviders). */
export const TRACING_PROVIDER = 'adot';
export const OTLP_GRPC_PORT = 4317;
/** AWS's managed policies the collector's role carries: X-Ray's writes (OTLP spans too) and CloudWatch's agent rights (EMF logs). */
export const ADOT_MANAGED_POLICIES = ['arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess', 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy'];

export function collectorRoleName(walkthrough: Walkthrough): string {
  return `${walkthrough.name}-adot-collector`;
}

function collectorConfig(walkthrough: Walkthrough, namespace: string, metrics: boolean): string {
  const lines = [
    'extensions:',
    '  sigv4auth:',
    '    region: ${env:AWS_REGION}',
    '    service: xray',
    'receivers:',
    '  otlp:',
    '    protocols:',
    '      grpc:',
    `        endpoint: 0.0.0.0:${OTLP_GRPC_PORT}`,
    ...(metrics
      ? [
          '  prometheus:',
          '    config:',
          '      scrape_configs:',
          '        - job_name: istio-proxies',
          '          metrics_path: /stats/prometheus',
          '          kubernetes_sd_configs:',
          '            - role: pod',
          '              namespaces:',
          `                names: [${namespace}]`,
          '          relabel_configs:',
          '            - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]',
          '              action: keep',
          "              regex: 'true'",
          '            - source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]',
          '              action: replace',
          "              regex: '([^:]+)(?::\\d+)?;(\\d+)'",
          "              replacement: '$$1:$$2'",
          '              target_label: __address__',
          '            - source_labels: [__meta_kubernetes_pod_label_app]',
          '              target_label: app',
        ]
      : []),
    'processors:',
    '  batch: {}',
    'exporters:',
    '  otlphttp/xray:',
    '    traces_endpoint: https://xray.${env:AWS_REGION}.amazonaws.com/v1/traces',
    '    auth:',
    '      authenticator: sigv4auth',
    ...(metrics
      ? [
          '  awsemf:',
          '    region: ${env:AWS_REGION}',
          `    namespace: ${walkthrough.name}/istio`,
          `    log_group_name: /amw/${walkthrough.name}/istio-metrics`,
          '    dimension_rollup_option: NoDimensionRollup',
          '    metric_declarations:',
          '      - dimensions: [[app, destination_service_name, response_code]]',
          '        metric_name_selectors: [istio_requests_total]',
        ]
      : []),
    'service:',
    '  extensions: [sigv4auth]',
    '  pipelines:',
    '    traces:',
    '      receivers: [otlp]',
    '      processors: [batch]',
    '      exporters: [otlphttp/xray]',
    ...(metrics ? ['    metrics:', '      receivers: [prometheus]', '      processors: [batch]', '      exporters: [awsemf]'] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** The collector: its account (with an IAM role), configuration, Deployment and Service, and the right to list pods it scrapes. */
export function adotCollector(walkthrough: Walkthrough, cluster: Cluster, namespace: string, metrics: boolean): EmittedObject[] {
  const labels = { app: COLLECTOR };
  const file = 'adot-collector.yaml';
  return [
    {
      file,
      object: {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: COLLECTOR, namespace, annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${accountId(walkthrough, cluster.account)}:role/${collectorRoleName(walkthrough)}` } },
      },
      comment: `The collector sends to X-Ray and CloudWatch as IAM role ${collectorRoleName(walkthrough)} (IRSA), which carries AWS’s\nmanaged policies AWSXrayWriteOnlyAccess and CloudWatchAgentServerPolicy.`,
    },
    {
      file,
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: COLLECTOR, namespace }, data: { 'config.yaml': collectorConfig(walkthrough, namespace, metrics) } },
      comment:
        'Traces arrive over OTLP from every proxy (Istio’s tracing provider `adot`) and go to X-Ray’s OTLP endpoint, signed with SigV4;\nthe endpoint needs CloudWatch Transaction Search switched on once per account (see the guide).' +
        (metrics ? '\nMetrics: the proxies’ Prometheus stats, scraped and published to CloudWatch as embedded-metric-format logs.' : ''),
    },
    {
      file,
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: COLLECTOR, namespace, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels: { ...labels, 'sidecar.istio.io/inject': 'false' } },
            spec: {
              serviceAccountName: COLLECTOR,
              securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
              containers: [
                {
                  name: 'collector',
                  image: ADOT_IMAGE,
                  args: ['--config=/conf/config.yaml'],
                  env: [{ name: 'AWS_REGION', value: walkthrough.region }],
                  ports: [{ name: 'otlp-grpc', containerPort: OTLP_GRPC_PORT, protocol: 'TCP' }],
                  volumeMounts: [{ name: 'config', mountPath: '/conf', readOnly: true }],
                  resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
                  securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                },
              ],
              volumes: [{ name: 'config', configMap: { name: COLLECTOR } }],
            },
          },
        },
      },
      comment: 'No Istio proxy of its own (`sidecar.istio.io/inject: "false"`): the proxies send it their spans in plain OTLP,\nand it reaches the proxies’ metrics port, which Istio leaves outside its own traffic capture.',
    },
    {
      file,
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: COLLECTOR, namespace },
        spec: { selector: labels, ports: [{ name: 'otlp-grpc', port: OTLP_GRPC_PORT, targetPort: 'otlp-grpc', appProtocol: 'grpc' }] },
      },
    },
    ...(metrics
      ? [
          {
            file,
            object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: COLLECTOR, namespace }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] },
            comment: 'Finds the pods to scrape in this namespace.',
          },
          {
            file,
            object: {
              apiVersion: 'rbac.authorization.k8s.io/v1',
              kind: 'RoleBinding',
              metadata: { name: COLLECTOR, namespace },
              roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: COLLECTOR },
              subjects: [{ kind: 'ServiceAccount', name: COLLECTOR, namespace }],
            },
          },
        ]
      : []),
  ];
}

/** The Istio network a cluster's workloads are on, when a walkthrough spans two clusters (two VPCs). */
export function istioNetwork(cluster: Cluster): string {
  return `${cluster.name}-network`;
}

/** istiod's Helm values: the collector as tracing provider, and the multi-cluster identity of a cluster. */
export function istiodValues(walkthrough: Walkthrough, cluster: Cluster, collectorNamespace: string | undefined): Record<string, unknown> {
  const multi = walkthrough.clusters.length > 1;
  return {
    ...(multi ? { global: { meshID: walkthrough.name, multiCluster: { clusterName: cluster.name }, network: istioNetwork(cluster) } } : {}),
    meshConfig: {
      accessLogFile: '',
      ...(collectorNamespace
        ? { extensionProviders: [{ name: TRACING_PROVIDER, opentelemetry: { service: fqdn(COLLECTOR, collectorNamespace), port: OTLP_GRPC_PORT } }] }
        : {}),
    },
  };
}
