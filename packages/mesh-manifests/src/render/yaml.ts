/**
 * Deterministic YAML: keys in a fixed order (the few that lead a Kubernetes or CloudFormation
 * object first, then alphabetical), list order kept (it carries meaning: routes, ports, paths),
 * no line folding, and comments attached to the field they explain, because learners read these
 * files on GitHub.
 */
import { Document, isMap, isScalar, type Node, type Pair } from 'yaml';

export type FieldPath = readonly (string | number)[];

export interface FieldComment {
  /** Path of the field the comment sits above. */
  path: FieldPath;
  text: string;
}

export interface CommentedObject {
  object: unknown;
  /** Comment above the whole object. */
  comment?: string;
  fields?: FieldComment[];
}

export const KUBERNETES_KEY_ORDER = ['apiVersion', 'kind', 'metadata', 'name', 'namespace', 'path', 'pathType', 'image', 'type', 'spec', 'data', 'stringData', 'parentRefs', 'hostnames', 'matches'];
export const KUSTOMIZATION_KEY_ORDER = ['apiVersion', 'kind', 'name', 'namespace', 'resources', 'configMapGenerator', 'source', 'targets', 'select', 'fieldPaths', 'options'];
export const CLOUDFORMATION_KEY_ORDER = ['AWSTemplateFormatVersion', 'Description', 'Parameters', 'Conditions', 'Resources', 'Outputs', 'Type', 'DependsOn', 'Properties'];

/** A copy of `value` with object keys ordered: `leading` keys first (in that order), the rest alphabetically. */
export function canonical(value: unknown, leading: readonly string[] = KUBERNETES_KEY_ORDER): unknown {
  if (Array.isArray(value)) return value.map((item) => canonical(item, leading));
  if (value === null || typeof value !== 'object') return value;
  const rank = (key: string) => {
    const at = leading.indexOf(key);
    return at < 0 ? leading.length : at;
  };
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const child = (value as Record<string, unknown>)[key];
    if (child !== undefined) out[key] = canonical(child, leading);
  }
  return out;
}

function pairAt(doc: Document, path: FieldPath): Pair | undefined {
  const parentPath = path.slice(0, -1);
  const key = path.at(-1);
  const parent = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
  if (!isMap(parent)) return undefined;
  return parent.items.find((item) => isScalar(item.key) && item.key.value === key) as Pair | undefined;
}

function renderDocument(entry: CommentedObject, leading: readonly string[]): string {
  // YAML 1.1 output quotes what 1.1 readers (Kubernetes, CloudFormation) would otherwise turn into
  // booleans or dates: `off`, `yes`, `2010-09-09`.
  const doc = new Document(canonical(entry.object, leading), { version: '1.1' });
  if (entry.comment) doc.commentBefore = prefixLines(entry.comment);
  for (const field of entry.fields ?? []) {
    const last = field.path.at(-1);
    if (typeof last === 'number') {
      const node = doc.getIn(field.path, true) as Node | undefined;
      if (!node) throw new Error(`no field at ${field.path.join('.')} to comment`);
      node.commentBefore = prefixLines(field.text);
      continue;
    }
    const pair = pairAt(doc, field.path);
    if (!pair || !isScalar(pair.key)) throw new Error(`no field at ${field.path.join('.')} to comment`);
    pair.key.commentBefore = prefixLines(field.text);
  }
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}

/** The yaml library prefixes each comment line with `#`; a leading space keeps `# text`. */
function prefixLines(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? ` ${line}` : ''))
    .join('\n');
}

export function headerComment(lines: readonly string[]): string {
  if (!lines.length) return '';
  return lines.map((line) => (line ? `# ${line}` : '#')).join('\n') + '\n\n';
}

/** Several objects as one multi-document YAML file, under a header comment. */
export function yamlFile(header: readonly string[], entries: readonly CommentedObject[], leading: readonly string[] = KUBERNETES_KEY_ORDER): string {
  const docs = entries.map((entry) => renderDocument(entry, leading));
  return headerComment(header) + docs.map((doc, i) => (i === 0 ? doc : `---\n${doc}`)).join('');
}
