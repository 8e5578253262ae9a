/**
 * @amw/mesh-manifests: every walkthrough's mesh defined once in App Mesh's own shapes, with the
 * workloads behind it, its steps and its checks; renderers for EKS (kustomize + CloudFormation)
 * and the guides; validation against Kubernetes' schemas, the App Mesh CRDs and Kong's shapes.
 * Also ECS (CloudFormation), App Mesh CLI JSON, and the Cloud Map tooling behind `pnpm mesh cloudmap`.
 */
export * from './model/index.js';
export { getWalkthrough, isWalkthroughName, UnknownWalkthroughError, walkthroughs } from './walkthroughs/index.js';
export { renderEks, clusterFolder, stepFolder, cloudFormationTemplates } from './render/eks/index.js';
export { deploymentFor, mainContainerName } from './render/eks/deployment.js';
export { renderEcs, ecsStacks, ecsDeployCommand, type EcsStack } from './render/ecs/index.js';
export { renderCliJson, cliSteps, clusterMesh, awsNameOf, type ApiObject, type CliDocument, type ClusterMesh } from './render/cli-json/index.js';
export * from './cloudmap/index.js';
export { renderDocBlocks, DocBlockError, DOC_BLOCK_TYPES } from './render/docs/blocks.js';
export { checkCommand, expectedText, requestCommand } from './render/docs/commands.js';
export { renderTree, diffTree, writeTree, docPath, type TreeDiff } from './render/tree.js';
export { guidePath } from './render/docs/guides.js';
export type { RenderedFile } from './render/files.js';
export { canonical, yamlFile, type CommentedObject } from './render/yaml.js';
export * from './validate/index.js';
export * from './lint/index.js';
export { targetFolder, targetRoot, liveTargetsOf, type LiveTarget } from './render/layout.js';
export { migrationReport, UnsupportedTargetError } from './migrate/targets.js';
export { latticeUrl, targetCheck, targetChecks, type TargetCheck } from './migrate/checks.js';
export type { CheckRequest } from './migrate/predict.js';
export { latticeHost } from './render/lattice/index.js';
export type { MigrationReport } from './migrate/report.js';
export { expectedVerdicts, summaryLine, verdictLine, type CheckCounts, type ExpectedVerdict, type Verdict } from './migrate/local-run.js';
