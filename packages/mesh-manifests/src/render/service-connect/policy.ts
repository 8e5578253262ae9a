/**
 * What each App Mesh feature of an ECS walkthrough becomes on ECS Service Connect, read with the
 * evidence the Service Connect renderer records. Facts from the CloudFormation resource
 * specification (ServiceConnectConfiguration, ListenerRule transforms) and AWS's Service Connect
 * documentation: one client alias per service, no routing between services, TLS 1.3 from AWS
 * Private CA only, passive outlier detection and retries built in and not configurable.
 */
import type { TargetPolicy } from '../../migrate/translation.js';

export const SERVICE_CONNECT_POLICY: TargetPolicy = {
  mesh: { status: 'carried', note: 'A Service Connect namespace (an API-only Cloud Map namespace), the cluster’s default and every service’s.' },
  'egress-drop-all': {
    status: 'dropped',
    reason: 'Service Connect does not filter what a task calls',
    workaround: 'security groups (egress rules) on the tasks',
  },
  'egress-allow-all': { status: 'carried', evidence: 'optional', note: 'Nothing restricts what tasks call: nothing to render.' },
  'cloud-map-namespace': {
    status: 'carried',
    note: 'An HTTP (API-only) namespace of the same name: Service Connect’s proxies find each other through Cloud Map without a Route 53 zone.',
  },
  'certificate-authority': {
    status: 'dropped',
    reason: 'Service Connect takes certificates from AWS Private CA only, never from files',
    workaround: 'an AWS Private CA in short-lived mode (the cheapest), passed as TlsCertificateAuthorityArn',
  },
  'virtual-node': { status: 'carried', note: 'A named port mapping (appProtocol http) and the service’s Service Connect port name.' },
  'dns-discovery': { status: 'carried', note: 'The Service Connect client alias: callers in the namespace use the same name and port.' },
  'health-check': {
    status: 'partly',
    note: 'Service Connect has no active health checks (its proxy ejects failing tasks passively and retries twice): the load balancer’s target group checks each task on the same path, interval, timeout and thresholds, and ECS replaces the tasks it finds unhealthy.',
  },
  'listener-tls': {
    status: 'partly',
    note: 'Off by default: with TlsCertificateAuthorityArn set, Service Connect encrypts with TLS 1.3 and certificates from that AWS Private CA, for every service at once (the partial step’s one-node TLS is not carried) and without client certificates (no mutual TLS). The load balancer reaches the tasks directly, outside Service Connect.',
  },
  'client-tls': {
    status: 'partly',
    evidence: 'optional',
    note: 'Service Connect’s clients trust the Private CA by themselves; the load balancer that replaced the gateway reaches the tasks over plain HTTP, inside the VPC.',
  },
  'weighted-targets': {
    status: 'partly',
    note: 'Service Connect cannot split traffic between services, so the split moved to the edge, as AWS advises: the load balancer rule forwards to one target group per node, with the same weights. Callers inside the namespace have no name that splits.',
  },
  'match-prefix': { status: 'carried', note: 'The load balancer rule’s path pattern, composed with the gateway route’s prefix.' },
  'route-priority': { status: 'carried', note: 'The load balancer rule’s priority.' },
  'virtual-service': {
    status: 'dropped',
    reason: 'a Service Connect name belongs to one service: no name can split between two',
    workaround: 'call through the load balancer (which splits), or call one colour’s own alias',
  },
  'virtual-gateway': {
    status: 'partly',
    note: 'An Application Load Balancer takes the Envoy gateway task’s place (and the Network Load Balancer’s): its rules route, split and rewrite. Requests no rule matches get 404.',
  },
  'gateway-route': { status: 'carried', note: 'A listener rule per route of the target’s router, its path condition composed with the gateway route’s prefix.' },
  'gateway-rewrite-prefix': { status: 'carried', note: 'A url-rewrite transform `^<prefix>/?(.*)$` → `/$1` on the rule: the rule matches the original path, the task gets the rewritten one.' },
  'gateway-rewrite-hostname': { status: 'carried', note: 'A host-header-rewrite transform to the target’s name.' },
  'ecs-envoy-proxy': {
    status: 'not-needed',
    note: 'ECS adds Service Connect’s own proxy to each task: no Envoy container, no APPMESH proxy configuration, no wait for a healthy Envoy.',
  },
  'statsd-metrics': {
    status: 'partly',
    note: 'No agent: the load balancer publishes its metrics to CloudWatch (AWS/ApplicationELB), and Service Connect its own per service (AWS/ECS, by DiscoveryName).',
  },
};
