/**
 * The physical names a synthesized template sets, where AWS refuses a second resource of the same name:
 * two equal entries are a deploy that fails.
 */
type Resource = { Type: string; Properties?: Record<string, unknown> };
type Synthesized = { Resources: Record<string, Resource> };

/** One fixed name: its resource type and the name (JSON, as a token stays an object). */
export interface PhysicalName {
  readonly type: string;
  readonly name: string;
}

const ofConfig = (properties: Record<string, unknown>, config: string) =>
  (properties[config] as { Name?: unknown } | undefined)?.Name;

/** Names unique per account and Region (CloudFront's per account), by the property that holds them. */
const ACCOUNT_WIDE: Record<string, (properties: Record<string, unknown>) => unknown> = {
  'AWS::CloudFront::ResponseHeadersPolicy': (p) => ofConfig(p, 'ResponseHeadersPolicyConfig'),
  'AWS::CloudFront::OriginAccessControl': (p) => ofConfig(p, 'OriginAccessControlConfig'),
  'AWS::Logs::LogGroup': (p) => p.LogGroupName,
  'AWS::CloudWatch::InsightRule': (p) => p.RuleName,
  'AWS::EventSchemas::Registry': (p) => p.RegistryName,
  'AWS::Events::EventBus': (p) => p.Name,
  'AWS::ApiGatewayV2::Api': (p) => p.Name,
  'AWS::Cognito::UserPoolDomain': (p) => p.Domain,
};

/** Names unique within a parent resource: the parent's reference, then the name. */
const WITHIN_PARENT: Record<string, (properties: Record<string, unknown>) => [unknown, unknown]> = {
  'AWS::EventSchemas::Schema': (p) => [p.RegistryName, p.SchemaName],
  'AWS::Cognito::UserPoolResourceServer': (p) => [p.UserPoolId, p.Identifier],
  'AWS::ApiGatewayV2::Authorizer': (p) => [p.ApiId, p.Name],
  'AWS::ApiGatewayV2::Stage': (p) => [p.ApiId, p.StageName],
  'AWS::Events::EventBusPolicy': (p) => [p.EventBusName, p.StatementId],
};

/** Every fixed physical name unique per account and Region in `template`. */
export function accountWideNames(template: Synthesized): PhysicalName[] {
  return namesOf(template, (type, properties) => ACCOUNT_WIDE[type]?.(properties));
}

/** Every fixed physical name in `template`, account-wide or within its parent (a schema in its registry…). */
export function physicalNames(template: Synthesized): PhysicalName[] {
  return namesOf(template, (type, properties) => {
    const within = WITHIN_PARENT[type]?.(properties);
    return within?.[1] === undefined ? ACCOUNT_WIDE[type]?.(properties) : within;
  });
}

function namesOf(
  template: Synthesized,
  nameOf: (type: string, properties: Record<string, unknown>) => unknown,
): PhysicalName[] {
  return Object.values(template.Resources).flatMap((resource) => {
    const name = nameOf(resource.Type, resource.Properties ?? {});
    return name === undefined ? [] : [{ type: resource.Type, name: JSON.stringify(name) }];
  });
}
