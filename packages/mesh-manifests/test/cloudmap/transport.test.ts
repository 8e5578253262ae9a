/**
 * What aws-sdk-client-mock cannot show, because it replaces `send`: the SDK's own retry strategy
 * retrying throttled calls (a fake transport answers them; the strategy is set to 3 attempts with no
 * backoff so nothing waits), and the standard credential and region chain failing on a machine with
 * neither, each turned into one line.
 */
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desiredCloudMap, inspect } from '../../src/cloudmap/index.js';
import { makeCloudmapCommand } from '../../src/cli/commands/cloudmap.js';
import { CommandFailure, repositoryRoot } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/main.js';
import { getWalkthrough } from '../../src/walkthroughs/index.js';
import { fakeHttp, OFFLINE, type FakeResponse, type RecordedRequest } from './fake-http.js';

const throttled = (type: string): FakeResponse => ({ statusCode: 400, body: JSON.stringify({ __type: type, message: 'Rate exceeded' }) });
const target = (r: RecordedRequest) => r.headers['x-amz-target']?.split('.')[1];

function client(respond: Parameters<typeof fakeHttp>[0]) {
  const transport = fakeHttp(respond);
  const sd = new ServiceDiscoveryClient({ ...OFFLINE, requestHandler: transport.handler, retryStrategy: new ConfiguredRetryStrategy(3, 0) });
  return { sd, requests: transport.requests };
}

describe('throttling', () => {
  it('the SDK retries a throttled call with its retry strategy, and the plan goes on', async () => {
    let listCalls = 0;
    const { sd, requests } = client((request) => {
      if (target(request) === 'ListNamespaces' && ++listCalls <= 2) return throttled('ThrottlingException');
      if (target(request) === 'ListNamespaces') return { statusCode: 200, body: JSON.stringify({ Namespaces: [{ Id: 'ns-1', Name: 'default.svc.cluster.local', Type: 'DNS_PRIVATE' }] }) };
      return { statusCode: 200, body: JSON.stringify({ Services: [{ Id: 'srv-1', Name: 'colorgateway' }] }) };
    });
    const plans = await inspect(sd, desiredCloudMap(getWalkthrough('ingress-gateway-ecs')));
    expect(plans[0]!.existing?.Id).toBe('ns-1');
    expect(plans[0]!.services.filter((s) => s.existing).map((s) => s.desired.name)).toEqual(['colorgateway']);
    expect(requests.map((r) => [target(r), r.headers['amz-sdk-request']])).toEqual([
      ['ListNamespaces', 'attempt=1; max=3'],
      ['ListNamespaces', 'attempt=2; max=3'],
      ['ListNamespaces', 'attempt=3; max=3'],
      ['ListServices', 'attempt=1; max=3'],
    ]);
    expect(JSON.parse(requests[3]!.body)).toEqual({ Filters: [{ Name: 'NAMESPACE_ID', Values: ['ns-1'], Condition: 'EQ' }] });
  });

  it('still throttled after the last attempt: the other services are created and the command says what is left', async () => {
    const { sd, requests } = client((request) => {
      if (target(request) === 'ListNamespaces') return { statusCode: 200, body: JSON.stringify({ Namespaces: [{ Id: 'ns-1', Name: 'default.svc.cluster.local', Type: 'DNS_PRIVATE' }] }) };
      if (target(request) === 'ListServices') return { statusCode: 200, body: '{"Services":[]}' };
      const name = (JSON.parse(request.body) as { Name: string }).Name;
      if (name === 'colorteller-red') return throttled('RequestLimitExceeded');
      return { statusCode: 200, body: JSON.stringify({ Service: { Id: `srv-${name}`, Name: name } }) };
    });
    const out: string[] = [];
    const program = new Command().exitOverride();
    makeCloudmapCommand({ client: () => sd }).register(program, { root: repositoryRoot(), out: (l) => out.push(l), err: () => {} });
    const failure = await program.parseAsync(['cloudmap', 'apply', 'ingress-gateway-ecs'], { from: 'user' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CommandFailure);
    expect((failure as Error).message).toBe(
      "4 of 5 created; still to do: service colorteller-red in default.svc.cluster.local (still throttled after the SDK's retries (RequestLimitExceeded): wait a minute and run this again) — run `pnpm mesh cloudmap apply ingress-gateway-ecs` again to finish",
    );
    const creates = requests.filter((r) => target(r) === 'CreateService').map((r) => (JSON.parse(r.body) as { Name: string }).Name);
    expect(creates).toEqual(['colorgateway', 'colorteller-black', 'colorteller-blue', 'colorteller-red', 'colorteller-red', 'colorteller-red', 'colorteller-white']);
    expect(JSON.parse(requests.find((r) => target(r) === 'CreateService')!.body)).toMatchObject({
      Name: 'colorgateway',
      NamespaceId: 'ns-1',
      DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 300 }], RoutingPolicy: 'MULTIVALUE' },
      HealthCheckCustomConfig: {},
    });
    expect(out).toContain('created service colorteller-white in default.svc.cluster.local: srv-colorteller-white');
  });
});

describe('the standard credential and region chain', () => {
  const saved = { ...process.env };
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'no-aws-'));
    for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
    Object.assign(process.env, {
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
  });
  afterAll(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    rmSync(home, { recursive: true, force: true });
  });

  async function mesh(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { root: repositoryRoot(), out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  }

  it('no credentials anywhere: one line saying how to provide them', async () => {
    const result = await mesh('cloudmap', 'plan', 'ingress-gateway-ecs', '--region', 'eu-west-1');
    expect(result).toEqual({
      code: 1,
      out: ['Cloud Map for ingress-gateway-ecs in eu-west-1'],
      err: ['no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run `aws configure`, then run this again'],
    });
  });

  it('no region anywhere: one line asking for --region or AWS_REGION', async () => {
    const result = await mesh('cloudmap', 'instances', 'ingress-gateway-ecs');
    expect(result).toEqual({ code: 1, out: [], err: ['no AWS region: pass --region <region>, or set AWS_REGION (or a region in your AWS profile)'] });
  });

  it('takes the region from AWS_REGION when --region is absent', async () => {
    process.env.AWS_REGION = 'ap-southeast-2';
    try {
      const result = await mesh('cloudmap', 'plan', 'ingress-gateway-ecs');
      expect(result.out).toEqual(['Cloud Map for ingress-gateway-ecs in ap-southeast-2']);
      expect(result.err[0]).toMatch(/^no AWS credentials found/);
    } finally {
      delete process.env.AWS_REGION;
    }
  });
});
