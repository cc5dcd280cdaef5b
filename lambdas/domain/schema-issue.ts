/** A validation issue as zod (and any Standard Schema) reports it. */
export interface SchemaIssue {
  readonly path?: readonly PropertyKey[];
  readonly message: string;
}

/** Turns the first issue (of a zod error, or a list of issues) into a dotted field path and its message. */
export function firstIssue(
  source: readonly SchemaIssue[] | { readonly issues: readonly SchemaIssue[] },
  prefix = '',
): { field: string; reason: string } {
  const issue = ('issues' in source ? source.issues : source)[0];
  const path = issue?.path?.map(String).join('.') ?? '';
  return { field: [prefix, path].filter(Boolean).join('.') || '(root)', reason: issue?.message ?? 'invalid' };
}
