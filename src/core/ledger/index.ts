export { shopAccount, shopAccounts, shopAccountSql, shopStages, platformAccount, type ShopStage } from './accounts.ts';
export { postJournal, type JournalInput } from './post-journal.ts';
export { postTransfers, type TransfersInput, type TransferTotals } from './post-transfers.ts';
export { shopBalances, shopBalanceDto, balanceDto, availableBalances, stageBalances, type ShopBalances, type BalanceDto } from './balances.ts';
export { verifyLedger, type LedgerReport } from './verify-ledger.ts';
export { shopTransactions, transactionDto, type TransactionDto } from './shop-transactions.ts';
export { shopStatement, shopStatementCsv, shopStatementInput, type StatementDto } from './shop-statement.ts';
export { transactionKinds, debtJournalKinds, type TransactionKind } from './entry-kinds.ts';
export { orderPaidEntries, orderRefundEntries, correctionKinds, type OrderMoney } from './order-postings.ts';
