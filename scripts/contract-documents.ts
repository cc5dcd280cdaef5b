/**
 * Every contract document generated from the code's own definitions, by repository-relative path.
 * `npm run contracts` writes them; `test/repo/contracts.test.ts` fails when a file on disk is stale.
 */
import { EVENTS } from '../lambdas/domain/events/index.ts';
import { eventJsonSchema, kebabDetailType } from '../lambdas/domain/events/json-schema.ts';
import { openApiDocument } from './openapi-document.ts';

/** One generated document: where it lives in the repository and its exact text. */
export interface ContractDocument {
  /** Repository-relative path, e.g. `docs/openapi.json`. */
  readonly path: string;
  /** The file's full text (JSON documents end with a newline). */
  readonly text: string;
}

/** Folders holding only generated documents: a file in them that no generator writes is stale. */
export const GENERATED_FOLDERS: readonly string[] = ['docs/events'];

/** All contract documents, in a stable order. */
export function contractDocuments(): ContractDocument[] {
  return [...eventDocuments(), jsonDocument('docs/openapi.json', openApiDocument())];
}

/**
 * One JSON Schema (draft 4, envelope and detail) per event, `docs/events/<kebab-detail-type>.json`: the
 * very document the stack publishes to its EventBridge Schema Registry (there with the configured sources).
 */
function eventDocuments(): ContractDocument[] {
  return EVENTS.map((event) =>
    jsonDocument(`docs/events/${kebabDetailType(event.detailType)}.json`, eventJsonSchema(event)),
  );
}

/** Serializes a JSON document the way every generated contract file is written. */
function jsonDocument(path: string, value: unknown): ContractDocument {
  return { path, text: `${JSON.stringify(value, null, 2)}\n` };
}
