/**
 * What CloudFormation makes of a template for given parameter values: conditions evaluated,
 * resources whose condition is false dropped, `Fn::If` resolved, `AWS::NoValue` removed. Written
 * from CloudFormation's documented semantics so the tests can read a stepped template at a step.
 */
type Value = unknown;
type Obj = Record<string, Value>;

function isObj(v: Value): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const NO_VALUE = Symbol('NoValue');

export function atParameters(template: Obj, parameters: Record<string, string>): Obj {
  const conditions = isObj(template.Conditions) ? template.Conditions : {};
  const cache = new Map<string, boolean>();
  const condition = (name: string): boolean => {
    if (!cache.has(name)) {
      if (!(name in conditions)) throw new Error(`no condition ${name}`);
      cache.set(name, truth(conditions[name]));
    }
    return cache.get(name)!;
  };
  const scalar = (v: Value): Value => {
    if (isObj(v) && typeof v.Ref === 'string') {
      if (!(v.Ref in parameters)) throw new Error(`no value for parameter ${v.Ref}`);
      return parameters[v.Ref];
    }
    return v;
  };
  const truth = (c: Value): boolean => {
    if (!isObj(c)) throw new Error(`not a condition: ${JSON.stringify(c)}`);
    if ('Fn::Equals' in c) {
      const [a, b] = c['Fn::Equals'] as Value[];
      return scalar(a) === scalar(b);
    }
    if ('Fn::Or' in c) return (c['Fn::Or'] as Value[]).some(truth);
    if ('Fn::And' in c) return (c['Fn::And'] as Value[]).every(truth);
    if ('Fn::Not' in c) return !truth((c['Fn::Not'] as Value[])[0]);
    if ('Condition' in c) return condition(String(c.Condition));
    throw new Error(`unknown condition function in ${JSON.stringify(c)}`);
  };
  const resolve = (v: Value): Value | typeof NO_VALUE => {
    if (Array.isArray(v)) return v.map(resolve).filter((x) => x !== NO_VALUE);
    if (!isObj(v)) return v;
    if (v.Ref === 'AWS::NoValue' && Object.keys(v).length === 1) return NO_VALUE;
    if ('Fn::If' in v && Object.keys(v).length === 1) {
      const [name, yes, no] = v['Fn::If'] as [string, Value, Value];
      return resolve(condition(name) ? yes : no);
    }
    const out: Obj = {};
    for (const [key, child] of Object.entries(v)) {
      const r = resolve(child);
      if (r !== NO_VALUE) out[key] = r;
    }
    return out;
  };
  const resources: Obj = {};
  for (const [id, r] of Object.entries(template.Resources as Obj)) {
    const resource = r as Obj;
    if (typeof resource.Condition === 'string' && !condition(resource.Condition)) continue;
    const { Condition: _condition, ...rest } = resource;
    resources[id] = resolve(rest);
  }
  const { Conditions: _conditions, ...rest } = template;
  const outputs = isObj(template.Outputs) ? (resolve(template.Outputs) as Obj) : undefined;
  return { ...rest, Resources: resources, ...(outputs ? { Outputs: outputs } : {}) };
}

/** A template as deployed with `Step=<step>` (other parameters are left as written). */
export function atStep(template: Obj, step: string): Obj {
  const parameters = Object.fromEntries(Object.keys(isObj(template.Parameters) ? template.Parameters : {}).map((p) => [p, `<${p}>`]));
  const evaluated = atParameters(template, { ...parameters, Step: step });
  const { Parameters: params, ...rest } = evaluated;
  if (!isObj(params) || !('Step' in params)) return evaluated;
  const { Step: _step, ...others } = params;
  return { ...rest, ...(Object.keys(others).length ? { Parameters: others } : {}) };
}
