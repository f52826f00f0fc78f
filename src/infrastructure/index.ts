export { INFRASTRUCTURE_FORMATS, type InfrastructureFormat, render } from './render.js'
export {
  ADAPTER_IAM_ACTIONS,
  ADAPTER_REQUESTS,
  continuousBackups,
  CREATE_TABLE_ACTION,
  iamPolicy,
  type IAMPolicyDocument,
  type IAMPolicyStatement,
  type InfrastructureOptions,
  policyStatements,
  resolveOptions,
  type ResolvedInfrastructureOptions,
  tableArn,
  tableDefinition,
  TTL_NOTE,
} from './table.js'
