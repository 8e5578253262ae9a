/**
 * Which guide `pnpm walkthrough` points a learner to: the Japanese one when the shell's locale is
 * Japanese (`LANG=ja_JP.UTF-8` and the like), the English one otherwise. Only the path follows the
 * locale; the CLI's own messages stay English, as tools' messages conventionally do.
 */
import { guidePath, type Language } from '@amw/mesh-manifests';

export function guideLanguage(env: NodeJS.ProcessEnv = process.env): Language {
  return env.LANG?.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export function guidePathFor(walkthrough: string, env: NodeJS.ProcessEnv = process.env): string {
  return guidePath({ name: walkthrough }, guideLanguage(env));
}
