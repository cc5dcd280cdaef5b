/**
 * Validators for the published contract documents as a client reads them from the repository:
 * `docs/openapi.json` (OpenAPI 3.1, JSON Schema 2020-12) and `docs/events/<kebab>.json` (JSON Schema
 * draft 4, the whole EventBridge envelope). Ajv compiles the documents themselves, not the zod schemas
 * they were generated from, so a generator or a handler that drifts from the document is caught.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { kebabDetailType } from '../../lambdas/domain/events/json-schema.ts';

// Both packages are CommonJS with `exports.default`; under NodeNext the default import is the module object.
const AjvDraft04 = AjvDraft04Module.default;
const addFormats = addFormatsModule.default;

const REPOSITORY = join(import.meta.dirname, '..', '..');

/** OpenAPI's `int32` format (ajv-formats knows only JSON Schema's formats). */
const INT32 = {
  type: 'number' as const,
  validate: (value: number) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31,
};

/** An HTTP answer as the client saw it. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body text. */
  readonly text: string;
}

interface ResponseObject {
  readonly description: string;
  readonly headers?: Record<string, { readonly required?: boolean; readonly schema: object }>;
  readonly content?: Record<string, { readonly schema: object }>;
}

interface OperationObject {
  readonly operationId: string;
  readonly responses: Record<string, ResponseObject>;
}

/** The parts of the OpenAPI document this validator reads. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, OperationObject>>;
  readonly components: Record<string, unknown>;
}

/** `docs/openapi.json` as published. */
export function readOpenApiDocument(): OpenApiDocument {
  return JSON.parse(readFileSync(join(REPOSITORY, 'docs', 'openapi.json'), 'utf8')) as OpenApiDocument;
}

/** Every (method, path) of the document with its documented statuses. */
export function documentedStatuses(document: OpenApiDocument): Map<string, readonly number[]> {
  const operations = new Map<string, readonly number[]>();
  for (const [path, item] of Object.entries(document.paths))
    for (const [method, operation] of Object.entries(item))
      operations.set(`${method.toUpperCase()} ${path}`, Object.keys(operation.responses).map(Number));
  return operations;
}

/**
 * Checks HTTP answers against the document (and, as `.request`, request bodies): the status is documented for the operation, the content-type
 * is one the response documents, the body validates against its schema, and every documented header
 * present validates against its schema (required ones must be present). Returns the problems, none if it conforms.
 */
export function openApiValidator(document: OpenApiDocument = readOpenApiDocument()) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('int32', INT32);
  // The document's `#/components/...` references resolve against the document itself.
  ajv.addSchema({ ...document, $id: 'openapi.json' });
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  const validatorAt = (pointer: string) => {
    let validate = compiled.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `openapi.json#${pointer}` });
      compiled.set(pointer, validate);
    }
    return validate;
  };
  const pointerToken = (token: string) =>
    encodeURIComponent(token.replaceAll('~', '~0').replaceAll('/', '~1'));

  /** Problems of a request body against the operation's documented request body (none: it conforms). */
  const request = (method: string, path: string, text: string | undefined): string[] => {
    const operation = document.paths[path]?.[method.toLowerCase()] as
      | (OperationObject & { requestBody?: { required?: boolean } })
      | undefined;
    if (!operation) return [`${method} ${path} is not in the document`];
    if (text === undefined || text === '')
      return operation.requestBody?.required ? ['the body is required'] : [];
    if (!operation.requestBody) return ['the operation documents no body'];
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return ['the body is not JSON'];
    }
    const validate = validatorAt(
      `/paths/${pointerToken(path)}/${method.toLowerCase()}/requestBody/content/${pointerToken('application/json')}/schema`,
    );
    return validate(body) ? [] : [ajv.errorsText(validate.errors)];
  };

  const checkAnswer = (method: string, path: string, answer: HttpAnswer): string[] => {
    const operation = document.paths[path]?.[method.toLowerCase()];
    if (!operation) return [`${method} ${path} is not in the document`];
    const response = operation.responses[String(answer.status)];
    if (!response) return [`${method} ${path} does not document status ${answer.status}`];
    const problems: string[] = [];
    const base = `/paths/${pointerToken(path)}/${method.toLowerCase()}/responses/${answer.status}`;
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const value = answer.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) problems.push(`header ${name} is required`);
        continue;
      }
      const validate = validatorAt(`${base}/headers/${pointerToken(name)}/schema`);
      const typed = /^-?\d+$/.test(value) ? Number(value) : value;
      if (!validate(typed)) problems.push(`header ${name}: ${ajv.errorsText(validate.errors)}`);
    }
    const contentType = (answer.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const media = response.content?.[contentType];
    if (!response.content) {
      if (answer.text !== '') problems.push(`status ${answer.status} documents no body`);
      return problems;
    }
    if (!media)
      return [...problems, `content-type "${contentType}" is not one of ${Object.keys(response.content)}`];
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return [...problems, `the body is not JSON: ${answer.text.slice(0, 80)}`];
    }
    const validate = validatorAt(`${base}/content/${pointerToken(contentType)}/schema`);
    if (!validate(body)) problems.push(`body ${answer.text}: ${ajv.errorsText(validate.errors)}`);
    return problems;
  };
  /** Problems of a path or header parameter's value against the operation's documented parameter. */
  const parameter = (method: string, path: string, name: string, value: string): string[] => {
    const parameters = (document.paths[path]?.[method.toLowerCase()] as { parameters?: { name: string }[] })
      ?.parameters;
    const index = parameters?.findIndex((candidate) => candidate.name === name) ?? -1;
    if (index < 0) return [`${method} ${path} documents no parameter ${name}`];
    const validate = validatorAt(
      `/paths/${pointerToken(path)}/${method.toLowerCase()}/parameters/${index}/schema`,
    );
    return validate(value) ? [] : [ajv.errorsText(validate.errors)];
  };

  return Object.assign(checkAnswer, { request, parameter });
}

/** An event as the bus carries it (the whole envelope). */
export type BusEvent = Readonly<Record<string, unknown>> & {
  readonly 'detail-type': string;
  readonly source: string;
  readonly detail: Readonly<Record<string, unknown>>;
};

interface EventDocument {
  readonly 'x-amazon-events-source': string;
  readonly 'x-amazon-events-detail-type': string;
  readonly properties: { readonly detail: unknown };
}

/** Every `docs/events/*.json` document, by file name. */
export function readEventDocuments(): Map<string, EventDocument & Record<string, unknown>> {
  const folder = join(REPOSITORY, 'docs', 'events');
  return new Map(
    readdirSync(folder)
      .filter((file) => file.endsWith('.json'))
      .map((file) => [file, JSON.parse(readFileSync(join(folder, file), 'utf8'))]),
  );
}

/**
 * Checks bus events against `docs/events/<kebab of detail-type>.json`: the document exists, names the
 * event's source and detail-type, the whole envelope validates, and the detail has no field the document
 * does not list (the documents leave `additionalProperties` open, as EventBridge schemas do, so a field
 * nobody documented would otherwise pass). Returns the problems, none if it conforms.
 */
export function eventValidator(documents = readEventDocuments()) {
  const ajv = new AjvDraft04({ strict: false, allErrors: true });
  addFormats(ajv);
  const validators = new Map(
    [...documents].map(([file, document]) => [file, { document, validate: ajv.compile(document) }]),
  );
  return (event: BusEvent): string[] => {
    const file = `${kebabDetailType(event['detail-type'])}.json`;
    const entry = validators.get(file);
    if (!entry) return [`${event['detail-type']}: no document docs/events/${file}`];
    const problems: string[] = [];
    const { document, validate } = entry;
    if (document['x-amazon-events-source'] !== event.source)
      problems.push(`${file}: source ${event.source}, document says ${document['x-amazon-events-source']}`);
    if (!validate(event)) problems.push(`${file}: ${ajv.errorsText(validate.errors)}`);
    const unknown = undocumentedFields(event.detail, document.properties.detail, 'detail');
    if (unknown.length > 0)
      problems.push(`${file}: detail fields not in the document: ${unknown.join(', ')}`);
    return problems;
  };
}

/** Paths of fields in `value` (nested objects and arrays too) that `schema` does not list in `properties`. */
function undocumentedFields(value: unknown, schema: unknown, path: string): string[] {
  if (typeof value !== 'object' || value === null || typeof schema !== 'object' || schema === null) return [];
  const { properties, items } = schema as { properties?: Record<string, unknown>; items?: unknown };
  if (Array.isArray(value))
    return value.flatMap((item, index) => undocumentedFields(item, items, `${path}[${index}]`));
  if (!properties) return [];
  return Object.entries(value).flatMap(([field, fieldValue]) =>
    field in properties
      ? undocumentedFields(fieldValue, properties[field], `${path}.${field}`)
      : [`${path}.${field}`],
  );
}
