export { AuditRepository, type AuditEntry } from '@linescope/db';
