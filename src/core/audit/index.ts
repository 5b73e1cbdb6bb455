export { recordAudit, type AuditInput } from './record-audit.ts';
export { listAudit, listAuditInput, type AuditRowDto } from './list-audit.ts';
export { verifyAudit, GENESIS_HASH, type AuditChainReport, type AuditProblem } from './verify-audit.ts';
