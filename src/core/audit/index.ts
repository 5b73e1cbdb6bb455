export { recordAudit, type AuditInput } from './record-audit.ts';
