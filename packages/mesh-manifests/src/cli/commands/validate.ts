import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { crdDirectoryExists, defaultCrdDirectory, loadAppMeshValidator, loadObjects, validateObjects } from '../../validate/index.js';
import { CommandFailure, UsageError, type CliCommand } from '../context.js';

export const validateCommand: CliCommand = {
  register(program, context) {
    program
      .command('validate')
      .description("check every object under k8s/ against Kubernetes' schemas, the App Mesh CRDs and Kong's object shapes")
      .argument('[folder]', 'folder to check, relative to the repository root', 'k8s')
      .option('--crds <dir>', 'folder of the App Mesh CRDs', defaultCrdDirectory())
      .action((folder: string, options: { crds: string }) => {
        const dir = join(context.root, folder);
        if (!existsSync(dir)) throw new UsageError(`no folder ${folder} under ${context.root}: run \`pnpm mesh render\` first, or name an existing folder`);
        const appMesh = crdDirectoryExists(options.crds) ? loadAppMeshValidator(options.crds) : undefined;
        if (!appMesh) context.err(`App Mesh CRDs not found at ${options.crds}: App Mesh objects are reported as not validated (pass --crds <dir>)`);
        const objects = loadObjects(dir);
        const problems = validateObjects(objects, appMesh);
        for (const p of problems) context.out(`${folder}/${p.file}: ${p.object}: ${p.message}`);
        if (problems.length) throw new CommandFailure(`${problems.length} problem(s) in ${objects.length} objects`);
        context.out(`${objects.length} objects valid`);
      });
  },
};
