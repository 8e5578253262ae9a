/**
 * One template for every step of a walkthrough. Each step is rendered as a complete template; the
 * merged template takes a `Step` parameter, and wherever the steps differ it says so with
 * CloudFormation's own tools: a resource that exists only in some steps carries a `Condition`, a
 * property that differs is an `Fn::If` over the steps (absent = `AWS::NoValue`). Deploying the same
 * stack with `Step=<name>` then updates exactly what that step changes, as the original's
 * `mesh.sh partial_tls_up` did with update calls.
 */
import { canonical } from '../yaml.js';
import { NO_VALUE, logicalId, type CfnResource, type CfnTemplate, type Json } from './template.js';

export const STEP_PARAMETER = 'Step';

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a, [])) === JSON.stringify(canonical(b, []));
}

interface Conditions {
  /** Name of the condition true exactly at these step indexes (created on first use). */
  of(indexes: readonly number[]): string;
  all(): Record<string, Json>;
}

function conditions(steps: readonly string[]): Conditions {
  const made = new Map<string, Json>();
  const equals = (i: number): Json => ({ 'Fn::Equals': [{ Ref: STEP_PARAMETER }, steps[i]!] });
  return {
    of(indexes) {
      const sorted = [...indexes].sort((a, b) => a - b);
      const contiguous = sorted.every((v, i) => i === 0 || v === sorted[i - 1]! + 1);
      const first = sorted[0]!;
      const last = sorted.at(-1)!;
      const name =
        sorted.length === 1
          ? `StepIs${logicalId(steps[first]!)}`
          : contiguous && last === steps.length - 1
            ? `From${logicalId(steps[first]!)}`
            : contiguous && first === 0
              ? `Until${logicalId(steps[last]!)}`
              : `StepIn${sorted.map((i) => logicalId(steps[i]!)).join('Or')}`;
      if (!made.has(name)) {
        if (sorted.length > 10) throw new Error(`a condition over ${sorted.length} steps exceeds Fn::Or's 10 operands`);
        made.set(name, sorted.length === 1 ? equals(first) : { 'Fn::Or': sorted.map(equals) });
      }
      return name;
    },
    all: () => Object.fromEntries([...made.entries()].sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** The value of each step (undefined where absent), as `Fn::If` over the distinct values. */
function choose(values: readonly (Json | undefined)[], present: readonly number[], conds: Conditions): Json | undefined {
  const groups: { value: Json | undefined; steps: number[] }[] = [];
  for (const i of present) {
    const group = groups.find((g) => same(g.value, values[i]));
    if (group) group.steps.push(i);
    else groups.push({ value: values[i], steps: [i] });
  }
  if (groups.length === 1) return groups[0]!.value;
  let result: Json = groups.at(-1)!.value ?? NO_VALUE;
  for (const group of groups.slice(0, -1).reverse()) result = { 'Fn::If': [conds.of(group.steps), group.value ?? NO_VALUE, result] };
  return result;
}

type JsonObject = { [key: string]: Json };

function isPlainObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Object.keys(value).some((k) => k === 'Ref' || k.startsWith('Fn::'));
}

function namedElements(value: Json | undefined): Map<string, Json> | undefined {
  if (!Array.isArray(value)) return undefined;
  const names = value.map((v) => (isPlainObject(v) && typeof v.Name === 'string' ? v.Name : undefined));
  if (names.some((n) => n === undefined) || new Set(names).size !== names.length) return undefined;
  return new Map(value.map((v, i) => [names[i]!, v]));
}

/**
 * Like `choose`, but as deep as the steps agree: objects key by key, lists of named things (containers,
 * volumes, variables) name by name, other lists of one length item by item. A template then shows
 * only what a step changes, where it changes it.
 */
function merge(values: readonly (Json | undefined)[], present: readonly number[], conds: Conditions): Json | undefined {
  const at = present.map((i) => values[i]);
  if (at.every((v) => same(v, at[0]))) return at[0];
  if (at.every(isPlainObject)) {
    const keys = [...new Set(at.flatMap((v) => Object.keys(v)))];
    const out: JsonObject = {};
    for (const key of keys) {
      const merged = merge(values.map((v) => (isPlainObject(v) ? v[key] : undefined)), present, conds);
      if (merged !== undefined) out[key] = merged;
    }
    return out;
  }
  const named = at.map(namedElements);
  if (named.every((n): n is Map<string, Json> => n !== undefined)) {
    const order = [...new Set(named.flatMap((n) => [...n.keys()]))];
    const byStep = values.map((v) => namedElements(v));
    return order.map((name) => merge(byStep.map((n) => n?.get(name)), present, conds) ?? NO_VALUE);
  }
  if (at.every(Array.isArray) && at.every((v) => (v as Json[]).length === (at[0] as Json[]).length)) {
    return (at[0] as Json[]).map((_, index) => merge(values.map((v) => (Array.isArray(v) ? v[index] : undefined)), present, conds) ?? NO_VALUE);
  }
  return choose(values, present, conds);
}

/** Merges one complete template per step into one template with a `Step` parameter. */
export function mergeSteps(stepNames: readonly string[], perStep: readonly CfnTemplate[], label: string): CfnTemplate {
  if (perStep.length !== stepNames.length) throw new Error(`${label}: ${perStep.length} templates for ${stepNames.length} steps`);
  const first = perStep[0]!;
  if (perStep.every((t) => same(t, first))) return first;
  const conds = conditions(stepNames);
  for (const template of perStep) {
    if (!same(template.Parameters, first.Parameters)) throw new Error(`${label}: parameters differ between steps; only resources and outputs may`);
    if (template.Description !== first.Description) throw new Error(`${label}: descriptions differ between steps`);
  }
  const all = stepNames.map((_, i) => i);

  const resourceIds = [...new Set(perStep.flatMap((t) => Object.keys(t.Resources)))];
  const resources: Record<string, CfnResource> = {};
  for (const id of resourceIds) {
    const versions = perStep.map((t) => t.Resources[id]);
    const present = all.filter((i) => versions[i] !== undefined);
    const base = versions[present[0]!]!;
    for (const i of present) {
      if (versions[i]!.Type !== base.Type) throw new Error(`${label}: resource ${id} changes type between steps`);
      if (!same(versions[i]!.DependsOn, base.DependsOn)) throw new Error(`${label}: resource ${id} changes DependsOn between steps`);
    }
    const keys = [...new Set(present.flatMap((i) => Object.keys(versions[i]!.Properties ?? {})))];
    const properties: Record<string, Json> = {};
    for (const key of keys) {
      const value = merge(versions.map((v) => v?.Properties?.[key]), present, conds);
      if (value !== undefined) properties[key] = value;
    }
    resources[id] = {
      Type: base.Type,
      ...(present.length < all.length ? { Condition: conds.of(present) } : {}),
      ...(base.DependsOn ? { DependsOn: base.DependsOn } : {}),
      ...(keys.length ? { Properties: properties } : {}),
    };
  }

  const outputIds = [...new Set(perStep.flatMap((t) => Object.keys(t.Outputs ?? {})))];
  const outputs: NonNullable<CfnTemplate['Outputs']> = {};
  for (const id of outputIds) {
    const versions = perStep.map((t) => t.Outputs?.[id]);
    const present = all.filter((i) => versions[i] !== undefined);
    if (present.length < all.length) throw new Error(`${label}: output ${id} exists only in some steps`);
    outputs[id] = { Description: versions[0]!.Description, Value: choose(versions.map((v) => v?.Value), present, conds)! };
  }

  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: first.Description,
    Parameters: {
      [STEP_PARAMETER]: {
        Type: 'String',
        Description: `The walkthrough step to deploy: ${stepNames.join(' → ')}. Deploy the same stack again with the next step.`,
        Default: stepNames[0]!,
        AllowedValues: [...stepNames],
      },
      ...first.Parameters,
    },
    Conditions: conds.all(),
    Resources: resources,
    ...(outputIds.length ? { Outputs: outputs } : {}),
  };
}
