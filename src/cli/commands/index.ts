import type { Command } from 'commander';
import catalogSeed from './catalog/seed.ts';
import conversationList from './conversation/list.ts';
import conversationShow from './conversation/show.ts';
import dbMigrate from './db/migrate.ts';
import dbStatus from './db/status.ts';
import ledgerVerify from './ledger/verify.ts';
import outboxDrain from './outbox/drain.ts';
import outboxStatus from './outbox/status.ts';
import paymentsReconcile from './payments/reconcile.ts';
import productApprove from './product/approve.ts';
import productHide from './product/hide.ts';
import productReject from './product/reject.ts';
import shopBan from './shop/ban.ts';
import shopList from './shop/list.ts';
import shopUnban from './shop/unban.ts';
import userBan from './user/ban.ts';
import userCreateAdmin from './user/create-admin.ts';
import userList from './user/list.ts';
import userUnban from './user/unban.ts';

/** Every command; each file registers itself on the program under its noun. */
export const commands: ((program: Command) => void)[] = [
  dbMigrate,
  dbStatus,
  userCreateAdmin,
  userBan,
  userUnban,
  userList,
  shopBan,
  shopUnban,
  shopList,
  outboxStatus,
  outboxDrain,
  ledgerVerify,
  paymentsReconcile,
  productApprove,
  productReject,
  productHide,
  catalogSeed,
  conversationList,
  conversationShow,
];
