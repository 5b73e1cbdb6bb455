export { shopAccount, platformAccount } from './accounts.ts';
export { postJournal, type JournalInput } from './post-journal.ts';
export { shopBalances, shopBalanceDto, availableBalances, type ShopBalances } from './balances.ts';
export { verifyLedger, type LedgerReport } from './verify-ledger.ts';
export { shopTransactions, type TransactionDto } from './shop-transactions.ts';
