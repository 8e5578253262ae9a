import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadCrdValidatorFrom,
  loadObjects,
  locateSchemas,
  namedSchemasFolder,
  schemaSetsUsedBy,
  SchemasUnavailableError,
  userCacheHome,
  validateObjects,
  type CrdValidator,
  type LoadedObject,
} from '../../validate/index.js';
import { CommandFailure, UsageError, type CliCommand, type CliContext } from '../context.js';

/** The CRDs of the sets the objects use, from the folder the user named, the cache, or a download (progress on stderr). */
async function crdsFor(objects: readonly LoadedObject[], schemasOption: string | undefined, context: CliContext): Promise<CrdValidator> {
  try {
    const { folders } = await locateSchemas({
      sets: schemaSetsUsedBy(objects.map((o) => o.object)),
      folder: namedSchemasFolder(schemasOption),
      cacheHome: userCacheHome(),
      // Only the tests set this: a local server standing in for raw.githubusercontent.com.
      baseUrl: process.env.AMW_SCHEMAS_BASE_URL,
      progress: context.err,
    });
    return loadCrdValidatorFrom(folders);
  } catch (error) {
    if (error instanceof SchemasUnavailableError) throw new UsageError(error.message);
    throw error;
  }
}

export const validateCommand: CliCommand = {
  register(program, context) {
    program
      .command('validate')
      .description("check every object under k8s/ against Kubernetes' schemas, the CRDs of App Mesh, Istio, the Gateway API and the Lattice controller, and Kong's object shapes")
      .argument('[folder]', 'folder to check, relative to the repository root', 'k8s')
      .option(
        '--schemas <dir>',
        'folder holding the CRD sets (appmesh-crds/, istio-crds/, gateway-api-crds/, lattice-crds/); AMW_SCHEMAS_DIR sets it too. Without either, the pinned upstream CRDs are downloaded once and cached',
      )
      .action(async (folder: string, options: { schemas?: string }) => {
        const dir = join(context.root, folder);
        if (!existsSync(dir)) throw new UsageError(`no folder ${folder} under ${context.root}: run \`pnpm mesh render\` first, or name an existing folder`);
        const objects = loadObjects(dir);
        const problems = validateObjects(objects, await crdsFor(objects, options.schemas, context));
        for (const p of problems) context.out(`${folder}/${p.file}: ${p.object}: ${p.message}`);
        if (problems.length) throw new CommandFailure(`${problems.length} problem(s) in ${objects.length} objects`);
        context.out(`${objects.length} objects valid`);
      });
  },
};
