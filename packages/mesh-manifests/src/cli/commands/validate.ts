import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { availableSchemaSets, defaultSchemasDirectory, loadCrdValidator, loadObjects, SCHEMA_SETS, validateObjects } from '../../validate/index.js';
import { CommandFailure, UsageError, type CliCommand } from '../context.js';

export const validateCommand: CliCommand = {
  register(program, context) {
    program
      .command('validate')
      .description("check every object under k8s/ against Kubernetes' schemas, the CRDs of App Mesh, Istio, the Gateway API and the Lattice controller, and Kong's object shapes")
      .argument('[folder]', 'folder to check, relative to the repository root', 'k8s')
      .option('--schemas <dir>', 'folder holding the CRD sets (appmesh-crds, istio-crds, gateway-api-crds, lattice-crds); AMW_SCHEMAS_DIR sets it too', defaultSchemasDirectory())
      .action((folder: string, options: { schemas: string }) => {
        const dir = join(context.root, folder);
        if (!existsSync(dir)) throw new UsageError(`no folder ${folder} under ${context.root}: run \`pnpm mesh render\` first, or name an existing folder`);
        const sets = existsSync(options.schemas) ? availableSchemaSets(options.schemas) : [];
        const missing = (Object.keys(SCHEMA_SETS) as (keyof typeof SCHEMA_SETS)[]).filter((s) => !sets.includes(s));
        if (missing.length) context.err(`${missing.map((s) => SCHEMA_SETS[s]).join(', ')} not found in ${options.schemas}: their objects are reported as not validated (pass --schemas <dir>)`);
        const crds = sets.length ? loadCrdValidator(options.schemas, sets) : undefined;
        const objects = loadObjects(dir);
        const problems = validateObjects(objects, crds);
        for (const p of problems) context.out(`${folder}/${p.file}: ${p.object}: ${p.message}`);
        if (problems.length) throw new CommandFailure(`${problems.length} problem(s) in ${objects.length} objects`);
        context.out(`${objects.length} objects valid`);
      });
  },
};
