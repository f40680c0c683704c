/**
 * CopilotKit-style parameter lists (`[{ name, type, description, required }]`) as the JSON
 * Schema AG-UI tools carry. A JSON Schema object passes through unchanged.
 * @module
 */

/** Types a parameter may have; `"object[]"` and friends are arrays of that type. */
export type ActionParameterType =
  | "string"
  | "number"
  | "boolean"
  | "object"
  | "string[]"
  | "number[]"
  | "boolean[]"
  | "object[]";

/** One parameter of an action, in CopilotKit's list form. */
export interface ActionParameter {
  name: string;
  /** @default "string" */
  type?: ActionParameterType;
  description?: string;
  /** @default true */
  required?: boolean;
  /** Allowed values (strings). */
  enum?: string[];
  /** Fields of an `object` or `object[]` parameter. */
  attributes?: ActionParameter[];
}

type Schema = Record<string, unknown>;

function itemSchema(type: string, param: ActionParameter): Schema {
  const schema: Schema = { type };
  if (type === "object") Object.assign(schema, parametersToJsonSchema(param.attributes ?? []));
  if (param.enum) schema.enum = param.enum;
  return schema;
}

/** Converts a parameter list to an object JSON Schema; passes a schema object through. */
export function parametersToJsonSchema(parameters: readonly ActionParameter[] | Schema | undefined): Schema {
  if (parameters === undefined) return { type: "object", properties: {} };
  if (!Array.isArray(parameters)) return parameters as Schema;
  const properties: Schema = {};
  const required: string[] = [];
  for (const param of parameters as readonly ActionParameter[]) {
    const type = param.type ?? "string";
    const schema = type.endsWith("[]")
      ? { type: "array", items: itemSchema(type.slice(0, -2), param) }
      : itemSchema(type, param);
    if (param.description) schema.description = param.description;
    properties[param.name] = schema;
    if (param.required !== false) required.push(param.name);
  }
  return { type: "object", properties, ...(required.length ? { required } : {}) };
}
