/**
 * A small stand-in for cfn-lint (not installable here): checks a CloudFormation template against
 * the CloudFormation resource specification as `@aws-cdk/aws-service-spec` ships it — the database
 * the CDK generates its own L1 constructs from, built from the CloudFormation registry schemas.
 * Every resource type and property must exist, every required property must be present (in every
 * branch of an `Fn::If`), every value must have the spec's type, every `Ref`/`GetAtt`/`Sub` must
 * name a parameter, resource or attribute that exists, and every condition must be declared.
 */
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, SpecDatabase, TypeDefinition } from '@aws-cdk/service-spec-types';

let database: Promise<SpecDatabase> | undefined;
export function specDatabase(): Promise<SpecDatabase> {
  database ??= loadAwsServiceSpec();
  return database;
}

type Value = unknown;
type Obj = Record<string, Value>;

const PSEUDO = new Set(['AWS::AccountId', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix', 'AWS::NotificationARNs']);
const PARAMETER_TYPES = /^(String|Number|CommaDelimitedList|List<Number>|(List<)?AWS::(EC2|Route53)::[A-Za-z]+::[A-Za-z]*(Id|Name)>?|AWS::SSM::Parameter::(Name|Value<[^>]+>))$/;

function isObj(v: Value): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intrinsic(v: Value): [string, Value] | undefined {
  if (!isObj(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return [keys[0]!, v[keys[0]!]];
  return undefined;
}

export function checkTemplate(db: SpecDatabase, template: Obj): string[] {
  const problems: string[] = [];
  const parameters = isObj(template.Parameters) ? template.Parameters : {};
  const conditions = isObj(template.Conditions) ? template.Conditions : {};
  const resources = isObj(template.Resources) ? template.Resources : {};
  if (template.AWSTemplateFormatVersion !== '2010-09-09') problems.push('AWSTemplateFormatVersion must be "2010-09-09"');
  if (!Object.keys(resources).length) problems.push('a template needs at least one resource');

  const specOf = new Map<string, Resource | undefined>();
  for (const [id, r] of Object.entries(resources)) {
    const type = isObj(r) ? r.Type : undefined;
    const found = typeof type === 'string' ? db.lookup('resource', 'cloudFormationType', 'equals', type)[0] : undefined;
    specOf.set(id, found);
  }

  for (const [name, p] of Object.entries(parameters)) {
    if (!isObj(p) || typeof p.Type !== 'string' || !PARAMETER_TYPES.test(p.Type)) problems.push(`Parameters.${name}: unknown parameter type ${isObj(p) ? String(p.Type) : ''}`);
    else if (Array.isArray(p.AllowedValues) && p.Default !== undefined && !p.AllowedValues.includes(p.Default)) problems.push(`Parameters.${name}: Default is not one of AllowedValues`);
  }

  const checkRefs = (value: Value, path: string) => {
    const walk = (v: Value, at: string) => {
      const fn = intrinsic(v);
      if (fn) {
        const [name, arg] = fn;
        if (name === 'Ref') {
          if (typeof arg !== 'string' || !(PSEUDO.has(arg) || arg in parameters || arg in resources)) problems.push(`${at}: Ref to ${String(arg)}, which is no parameter or resource`);
        } else if (name === 'Fn::GetAtt') {
          const [target, attribute] = Array.isArray(arg) ? arg : [];
          const spec = typeof target === 'string' ? specOf.get(target) : undefined;
          if (typeof target !== 'string' || !(target in resources)) problems.push(`${at}: Fn::GetAtt of ${String(target)}, which is no resource`);
          else if (spec && (typeof attribute !== 'string' || !(attribute in spec.attributes))) {
            problems.push(`${at}: ${spec.cloudFormationType} has no attribute ${String(attribute)} (it has ${Object.keys(spec.attributes).join(', ')})`);
          }
        } else if (name === 'Fn::Sub') {
          if (typeof arg !== 'string') problems.push(`${at}: Fn::Sub takes a string here`);
          else {
            for (const m of arg.matchAll(/\$\{([^}!]+)\}/g)) {
              const [ref, attribute] = m[1]!.split('.');
              if (attribute !== undefined) walk({ 'Fn::GetAtt': [ref, attribute] }, at);
              else if (!(PSEUDO.has(ref!) || ref! in parameters || ref! in resources)) problems.push(`${at}: Fn::Sub names \${${ref}}, which is no parameter or resource`);
            }
          }
        } else if (name === 'Fn::If') {
          if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') problems.push(`${at}: Fn::If takes [condition, then, else]`);
          else {
            if (!(arg[0] in conditions)) problems.push(`${at}: Fn::If on undeclared condition ${arg[0]}`);
            walk(arg[1], at);
            walk(arg[2], at);
          }
        } else if (name === 'Fn::Equals' || name === 'Fn::Or' || name === 'Fn::And' || name === 'Fn::Not') {
          if (Array.isArray(arg)) arg.forEach((a) => walk(a, at));
        } else problems.push(`${at}: intrinsic ${name} is not checked by this validator`);
        return;
      }
      if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${at}[${i}]`));
      else if (isObj(v)) for (const [k, child] of Object.entries(v)) walk(child, `${at}.${k}`);
    };
    walk(value, path);
  };

  for (const [name, condition] of Object.entries(conditions)) checkRefs(condition, `Conditions.${name}`);

  const typeErrors = (type: PropertyType, value: Value, path: string, required: boolean): string[] => {
    const fn = intrinsic(value);
    if (fn) {
      const [name, arg] = fn;
      if (name === 'Ref' && arg === 'AWS::NoValue') return required ? [`${path}: required, but AWS::NoValue removes it`] : [];
      if (name === 'Fn::If' && Array.isArray(arg) && arg.length === 3) return [...typeErrors(type, arg[1], path, required), ...typeErrors(type, arg[2], path, required)];
      if (name === 'Ref' && typeof arg === 'string' && isObj(parameters[arg]) && String(parameters[arg].Type).startsWith('List<')) {
        return type.type === 'array' || type.type === 'union' ? [] : [`${path}: a list parameter (${arg}) where the spec wants ${type.type}`];
      }
      return [];
    }
    switch (type.type) {
      case 'string':
        if (typeof value !== 'string') return [`${path}: expected a string, found ${JSON.stringify(value)}`];
        return type.allowedValues?.length && !type.allowedValues.includes(value) ? [`${path}: ${value} is not one of ${type.allowedValues.join(', ')}`] : [];
      case 'number':
      case 'integer':
        return typeof value === 'number' ? [] : [`${path}: expected a number, found ${JSON.stringify(value)}`];
      case 'boolean':
        return typeof value === 'boolean' ? [] : [`${path}: expected a boolean, found ${JSON.stringify(value)}`];
      case 'json':
        return isObj(value) || Array.isArray(value) ? [] : [`${path}: expected a JSON object`];
      case 'date-time':
        return typeof value === 'string' ? [] : [`${path}: expected a date-time string`];
      case 'null':
        return value === null ? [] : [`${path}: expected null`];
      case 'tag':
        return isObj(value) && typeof value.Key === 'string' ? [] : [`${path}: expected a tag {Key, Value}`];
      case 'array':
        if (!Array.isArray(value)) return [`${path}: expected a list, found ${JSON.stringify(value)}`];
        return value.flatMap((item, i) => typeErrors(type.element, item, `${path}[${i}]`, false));
      case 'map':
        if (!isObj(value)) return [`${path}: expected a map`];
        return Object.entries(value).flatMap(([k, v]) => typeErrors(type.element, v, `${path}.${k}`, false));
      case 'union': {
        const attempts = type.types.map((t) => typeErrors(t, value, path, required));
        return attempts.some((a) => !a.length) ? [] : attempts.reduce((best, a) => (a.length < best.length ? a : best));
      }
      case 'ref': {
        const def = db.get('typeDefinition', type.reference.$ref) as TypeDefinition;
        if (!isObj(value)) return [`${path}: expected a ${def.name} object, found ${JSON.stringify(value)}`];
        return propertiesErrors(def.properties, value, path, def.name);
      }
    }
  };

  const propertiesErrors = (properties: TypeDefinition['properties'], value: Obj, path: string, owner: string): string[] => {
    const errors: string[] = [];
    for (const [key, v] of Object.entries(value)) {
      const property = properties[key];
      if (!property) {
        errors.push(`${path}.${key}: ${owner} has no property ${key}`);
        continue;
      }
      const types = [property.type, ...(property.previousTypes ?? [])];
      const attempts = types.map((t) => typeErrors(t, v, `${path}.${key}`, !!property.required));
      if (!attempts.some((a) => !a.length)) errors.push(...attempts[0]!);
    }
    for (const [key, property] of Object.entries(properties)) {
      if (property.required && !(key in value)) errors.push(`${path}: ${owner} requires ${key}`);
    }
    return errors;
  };

  for (const [id, r] of Object.entries(resources)) {
    if (!isObj(r)) {
      problems.push(`Resources.${id}: not an object`);
      continue;
    }
    const spec = specOf.get(id);
    if (!spec) {
      problems.push(`Resources.${id}: unknown resource type ${String(r.Type)}`);
      continue;
    }
    for (const key of Object.keys(r)) {
      if (!['Type', 'Properties', 'Condition', 'DependsOn', 'Metadata', 'DeletionPolicy', 'UpdateReplacePolicy'].includes(key)) problems.push(`Resources.${id}: unknown attribute ${key}`);
    }
    if (r.Condition !== undefined && !(String(r.Condition) in conditions)) problems.push(`Resources.${id}: undeclared condition ${String(r.Condition)}`);
    for (const dep of Array.isArray(r.DependsOn) ? r.DependsOn : r.DependsOn === undefined ? [] : [r.DependsOn]) {
      if (!(String(dep) in resources)) problems.push(`Resources.${id}: DependsOn ${String(dep)}, which is no resource`);
    }
    const properties = isObj(r.Properties) ? r.Properties : {};
    problems.push(...propertiesErrors(spec.properties, properties, `Resources.${id}.Properties`, spec.cloudFormationType));
    checkRefs(properties, `Resources.${id}.Properties`);
  }

  if (isObj(template.Outputs)) {
    for (const [name, output] of Object.entries(template.Outputs)) {
      if (!isObj(output) || output.Value === undefined) problems.push(`Outputs.${name}: needs a Value`);
      else checkRefs(output.Value, `Outputs.${name}.Value`);
    }
  }
  return problems;
}
