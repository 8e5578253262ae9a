/**
 * App Mesh CLI JSON: for every cluster of every walkthrough, `aws appmesh create-* --cli-input-json`
 * documents, one folder per step, and a `mesh.sh` that applies them in the order App Mesh needs —
 * `up` creates the first step, each later step creates, updates and deletes what it changes, `down`
 * deletes everything in reverse order. This is what the original walkthroughs' mesh.sh did with
 * hand-written JSON; here it is rendered from the definition, so it cannot disagree with the
 * CloudFormation or the Kubernetes manifests.
 *
 *   <platform folder>/appmesh-cli/0-<first step>/NN-<kind>-<name>.json   every object
 *   <platform folder>/appmesh-cli/<i>-<step>/NN-<kind>-<name>.json       what step i creates or changes
 *   <platform folder>/appmesh-cli/mesh.sh, README.md
 *
 * The platform folder is `k8s/<walkthrough>/appmesh[/<cluster>]` or `ecs/<walkthrough>/appmesh[/<cluster>]`.
 */
import { stateAt } from '../../model/state.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import { targetFolder } from '../layout.js';
import { generatedHeader, type RenderedFile } from '../files.js';
import { CREATE_ORDER, clusterMesh, type ApiKind, type ApiObject, type ClusterMesh } from './objects.js';

export { clusterMesh, awsNameOf, CREATE_ORDER, type ApiObject, type CliDocument, type ClusterMesh } from './objects.js';

/** Where a cluster's generated files live on its platform. */
export function platformFolder(walkthrough: Walkthrough, cluster: Cluster): string {
  return targetFolder(walkthrough, 'appmesh', cluster);
}

export function cliFolder(walkthrough: Walkthrough, cluster: Cluster): string {
  return `${platformFolder(walkthrough, cluster)}/appmesh-cli`;
}

export function stepDirName(walkthrough: Walkthrough, index: number): string {
  return `${index}-${walkthrough.steps[index]!.name}`;
}

const SLUG: Record<ApiKind, string> = {
  Mesh: 'mesh',
  VirtualNode: 'virtual-node',
  VirtualRouter: 'virtual-router',
  Route: 'route',
  VirtualService: 'virtual-service',
  VirtualGateway: 'virtual-gateway',
  GatewayRoute: 'gateway-route',
};

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-');
}

function fileName(order: number, object: ApiObject): string {
  const kind = object.document.kind;
  const parent = kind === 'Route' ? `${safe(object.document.input.virtualRouterName)}-` : kind === 'GatewayRoute' ? `${safe(object.document.input.virtualGatewayName)}-` : '';
  return `${String(order).padStart(2, '0')}-${SLUG[kind]}-${parent}${safe(object.awsName)}.json`;
}

export type StepAction = { verb: 'create' | 'update'; object: ApiObject; file: string } | { verb: 'delete'; object: ApiObject };

export interface CliStep {
  dir: string;
  name: string;
  title: string;
  actions: StepAction[];
}

function documentJson(object: ApiObject): string {
  return `${JSON.stringify(object.document.input, null, 2)}\n`;
}

/** What each step does to the mesh, in the order it must be done: creates, then updates, then deletes in reverse order. */
export function cliSteps(walkthrough: Walkthrough, cluster: Cluster): { meshes: ClusterMesh[]; steps: CliStep[] } {
  const meshes = walkthrough.steps.map((step) => clusterMesh(walkthrough, stateAt(walkthrough, step.name).find((c) => c.name === cluster.name)!));
  const steps = meshes.map((mesh, i): CliStep => {
    const dir = stepDirName(walkthrough, i);
    const step = walkthrough.steps[i]!;
    const previous = i === 0 ? new Map<string, ApiObject>() : new Map(meshes[i - 1]!.objects.map((o) => [o.key, o]));
    const current = new Set(mesh.objects.map((o) => o.key));
    const creates = mesh.objects.filter((o) => !previous.has(o.key));
    const updates = mesh.objects.filter((o) => previous.has(o.key) && documentJson(previous.get(o.key)!) !== documentJson(o));
    const deletes = [...previous.values()].filter((o) => !current.has(o.key)).reverse();
    let order = 0;
    const actions: StepAction[] = [
      ...creates.map((object) => ({ verb: 'create' as const, object, file: `${dir}/${fileName(++order, object)}` })),
      ...updates.map((object) => ({ verb: 'update' as const, object, file: `${dir}/${fileName(++order, object)}` })),
      ...deleteOrder(deletes).map((object) => ({ verb: 'delete' as const, object })),
    ];
    return { dir, name: step.name, title: step.title, actions };
  });
  return { meshes, steps };
}

function deleteOrder(objects: readonly ApiObject[]): ApiObject[] {
  const rank = (o: ApiObject) => CREATE_ORDER.indexOf(o.document.kind);
  return [...objects].sort((a, b) => rank(b) - rank(a));
}

const COMMAND_NOUN: Record<ApiKind, string> = {
  Mesh: 'mesh',
  VirtualNode: 'virtual-node',
  VirtualRouter: 'virtual-router',
  Route: 'route',
  VirtualService: 'virtual-service',
  VirtualGateway: 'virtual-gateway',
  GatewayRoute: 'gateway-route',
};

/** The shell variable a learner sets to their own mesh owner account; the documents hold the example ID. */
export const MESH_OWNER_VARIABLE = 'MESH_OWNER_ACCOUNT_ID';

function meshOwnerOf(object: ApiObject): string | undefined {
  const input = object.document.input;
  return 'meshOwner' in input ? input.meshOwner : undefined;
}

/**
 * `aws appmesh <verb>-<noun> …` without the leading `aws appmesh`. With `ownerFrom`, a shared
 * mesh's owner comes from that expression (the CLI lets an argument override the JSON's value).
 */
export function cliArguments(action: StepAction, ownerFrom?: string): string[] {
  const doc = action.object.document;
  const noun = COMMAND_NOUN[doc.kind];
  const meshOwner = meshOwnerOf(action.object);
  const owner = meshOwner ? ['--mesh-owner', ownerFrom ?? meshOwner] : [];
  if (action.verb !== 'delete') return [`${action.verb}-${noun}`, '--cli-input-json', `file://${action.file}`, ...(ownerFrom ? owner : [])];
  switch (doc.kind) {
    case 'Mesh':
      return ['delete-mesh', '--mesh-name', doc.input.meshName];
    case 'VirtualNode':
      return ['delete-virtual-node', '--mesh-name', doc.input.meshName, '--virtual-node-name', doc.input.virtualNodeName, ...owner];
    case 'VirtualRouter':
      return ['delete-virtual-router', '--mesh-name', doc.input.meshName, '--virtual-router-name', doc.input.virtualRouterName, ...owner];
    case 'Route':
      return ['delete-route', '--mesh-name', doc.input.meshName, '--virtual-router-name', doc.input.virtualRouterName, '--route-name', doc.input.routeName, ...owner];
    case 'VirtualService':
      return ['delete-virtual-service', '--mesh-name', doc.input.meshName, '--virtual-service-name', doc.input.virtualServiceName, ...owner];
    case 'VirtualGateway':
      return ['delete-virtual-gateway', '--mesh-name', doc.input.meshName, '--virtual-gateway-name', doc.input.virtualGatewayName, ...owner];
    case 'GatewayRoute':
      return ['delete-gateway-route', '--mesh-name', doc.input.meshName, '--virtual-gateway-name', doc.input.virtualGatewayName, '--gateway-route-name', doc.input.gatewayRouteName, ...owner];
  }
}

function shellWord(word: string): string {
  if (word === `"$${MESH_OWNER_VARIABLE}"`) return word;
  return /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Every object any step ever had, deleted in reverse create order: `down` works from whichever step you reached. */
function downActions(meshes: readonly ClusterMesh[]): StepAction[] {
  const all = new Map<string, ApiObject>();
  for (const mesh of meshes) for (const object of mesh.objects) all.set(object.key, object);
  return deleteOrder([...all.values()].reverse()).map((object) => ({ verb: 'delete' as const, object }));
}

function script(walkthrough: Walkthrough, cluster: Cluster, meshes: readonly ClusterMesh[], steps: readonly CliStep[]): string {
  const folder = cliFolder(walkthrough, cluster);
  const mesh = meshes[0]!;
  const stepNames = steps.map((s, i) => (i === 0 ? `up` : s.name));
  const width = Math.max(...[...stepNames, 'down'].map((n) => n.length));
  const lines = [
    '#!/bin/sh',
    ...generatedHeader(walkthrough.name).map((l) => `# ${l}`),
    '#',
    `# The App Mesh objects of ${walkthrough.title}${walkthrough.clusters.length > 1 ? ` (${cluster.title})` : ''},`,
    '# created, changed and deleted with the AWS CLI in the order App Mesh needs them.',
    '#',
    ...steps.map((s, i) => `#   sh ${folder}/mesh.sh ${stepNames[i]!.padEnd(width)}   # ${i === 0 ? `step "${s.name}": create every object` : `step ${i}: ${s.title}`}`),
    `#   sh ${folder}/mesh.sh ${'down'.padEnd(width)}   # delete every object, newest kinds first`,
    ...(mesh.meshOwner
      ? [
          '#',
          `# The mesh is shared: every object names the account that owns it. Set ${MESH_OWNER_VARIABLE} to that account`,
          `# (the documents hold the example ID ${mesh.meshOwner}; the command line overrides it).`,
          ...(mesh.createsMesh ? [] : [`# That account creates mesh ${mesh.meshName} and shares it with this one through AWS RAM: it is not created or deleted here.`]),
        ]
      : []),
    'set -eu',
    'cd "$(dirname "$0")"',
    ...(mesh.meshOwner ? [`${MESH_OWNER_VARIABLE}="\${${MESH_OWNER_VARIABLE}:-${mesh.meshOwner}}"`] : []),
    '',
    'run() {',
    `  printf '[%s] aws appmesh %s\\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*"`,
    `  aws appmesh "$@" --query '*.metadata.uid' --output text`,
    '}',
    '',
    '# Deleting what is already gone is not an error: `down` works from whichever step you reached.',
    'remove() {',
    `  printf '[%s] aws appmesh %s\\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*"`,
    `  if out=$(aws appmesh "$@" --query '*.metadata.uid' --output text 2>&1); then`,
    '    echo "$out"',
    '  else',
    '    case "$out" in',
    '      *NotFoundException*) echo "  already gone" ;;',
    '      *) echo "$out" >&2; exit 1 ;;',
    '    esac',
    '  fi',
    '}',
    '',
    'case "${1:-}" in',
  ];
  const ownerFrom = mesh.meshOwner ? `"$${MESH_OWNER_VARIABLE}"` : undefined;
  const call = (action: StepAction) => `    ${action.verb === 'delete' ? 'remove' : 'run'} ${cliArguments(action, ownerFrom).map(shellWord).join(' ')}`;
  steps.forEach((step, i) => {
    lines.push(`  ${i === 0 ? `up|${step.name}` : step.name})`);
    if (!step.actions.length) lines.push('    echo "this step changes no App Mesh object"');
    lines.push(...step.actions.map(call), '    ;;');
  });
  lines.push('  down)', ...downActions(meshes).map(call), '    ;;');
  lines.push(`  *)`, `    echo "usage: sh $0 ${[...stepNames, 'down'].join('|')}" >&2`, '    exit 2', '    ;;', 'esac', '');
  return lines.join('\n');
}

function readme(walkthrough: Walkthrough, cluster: Cluster, meshes: readonly ClusterMesh[], steps: readonly CliStep[]): string {
  const folder = cliFolder(walkthrough, cluster);
  const owner = meshes[0]!.meshOwner;
  return [
    `<!-- ${generatedHeader(walkthrough.name).join(' ')} -->`,
    '',
    `# App Mesh CLI input: ${walkthrough.name}${walkthrough.clusters.length > 1 ? ` (${cluster.title})` : ''}`,
    '',
    'One `aws appmesh create-* --cli-input-json` document per App Mesh object, typed by the AWS SDK’s',
    'own input types. The first folder holds every object; each later folder only what that step creates',
    'or changes (a changed object is sent with `update-*`, with the same document).',
    '',
    '| Folder | Step | Objects |',
    '|---|---|---|',
    ...steps.map((s) => `| \`${s.dir}/\` | ${s.title} | ${s.actions.filter((a) => a.verb !== 'delete').length} |`),
    '',
    `\`sh ${folder}/mesh.sh up\` creates them in the order App Mesh needs (mesh, virtual nodes, routers, routes,`,
    'virtual services, gateways, gateway routes); `sh mesh.sh <step>` applies a later step; `sh mesh.sh down`',
    'deletes everything in the reverse order.',
    ...(owner
      ? [
          '',
          `The mesh is shared: every document names its owner, \`meshOwner\` (the example account ${owner}). Set`,
          `\`${MESH_OWNER_VARIABLE}\` to the owner’s account before running \`mesh.sh\`, which passes it on the command line.`,
        ]
      : []),
    '',
  ].join('\n');
}

/** Every CLI JSON file of a walkthrough, for each of its clusters. */
export function renderCliJson(walkthrough: Walkthrough): RenderedFile[] {
  const files: RenderedFile[] = [];
  for (const cluster of walkthrough.clusters) {
    const folder = cliFolder(walkthrough, cluster);
    const { meshes, steps } = cliSteps(walkthrough, cluster);
    for (const step of steps) {
      for (const action of step.actions) {
        if (action.verb !== 'delete') files.push({ path: `${folder}/${action.file}`, content: documentJson(action.object) });
      }
    }
    files.push({ path: `${folder}/mesh.sh`, content: script(walkthrough, cluster, meshes, steps) });
    files.push({ path: `${folder}/README.md`, content: readme(walkthrough, cluster, meshes, steps) });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
