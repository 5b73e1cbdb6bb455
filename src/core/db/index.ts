export { openDatabase, type Database, type Db, type DatabaseOptions } from './client.ts';
export { migrateDatabase, migrationStatus, migrationsFolder, type MigrationStatus } from './migrations.ts';
export { withTx, withTxRetry, onCommit, pgErrorCode, isUniqueViolation, queryRows } from './tx.ts';
export * as schema from './schema/index.ts';
export { vacuumTables } from './vacuum-tables.ts';
