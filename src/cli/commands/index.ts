import type { Command } from 'commander';
import auditList from './audit/list.ts';
import auditVerify from './audit/verify.ts';
import catalogSeed from './catalog/seed.ts';
import couponDelete from './coupon/delete.ts';
import couponList from './coupon/list.ts';
import conversationList from './conversation/list.ts';
import conversationShow from './conversation/show.ts';
import demoPlay from './demo/play.ts';
import seedMarketplace from './seed/marketplace.ts';
import dbMigrate from './db/migrate.ts';
import dbStatus from './db/status.ts';
import eventDelete from './event/delete.ts';
import eventList from './event/list.ts';
import ledgerVerify from './ledger/verify.ts';
import openapiPrint from './openapi/print.ts';
import orderList from './order/list.ts';
import orderRefund from './order/refund.ts';
import orderShow from './order/show.ts';
import outboxDrain from './outbox/drain.ts';
import outboxStatus from './outbox/status.ts';
import paymentsReconcile from './payments/reconcile.ts';
import paymentsRetryRefund from './payments/retry-refund.ts';
import reconcileReport from './reconcile/report.ts';
import productApprove from './product/approve.ts';
import productHide from './product/hide.ts';
import productList from './product/list.ts';
import productReject from './product/reject.ts';
import productRestore from './product/restore.ts';
import queueDashboard from './queue/dashboard.ts';
import queueFailed from './queue/failed.ts';
import queuePause from './queue/pause.ts';
import queueResume from './queue/resume.ts';
import queueRetry from './queue/retry.ts';
import queueRun from './queue/run.ts';
import queueStats from './queue/stats.ts';
import shopBalance from './shop/balance.ts';
import settleRun from './settle/run.ts';
import shopBan from './shop/ban.ts';
import shopList from './shop/list.ts';
import shopShow from './shop/show.ts';
import shopUnban from './shop/unban.ts';
import statsShow from './stats/show.ts';
import userBan from './user/ban.ts';
import userCreateAdmin from './user/create-admin.ts';
import userDemote from './user/demote.ts';
import userList from './user/list.ts';
import userPromote from './user/promote.ts';
import userShow from './user/show.ts';
import userUnban from './user/unban.ts';
import withdrawApprove from './withdraw/approve.ts';
import withdrawList from './withdraw/list.ts';
import withdrawReject from './withdraw/reject.ts';
import withdrawShow from './withdraw/show.ts';
import ledgerShow from './ledger/show.ts';
import shopStatement from './shop/statement.ts';

/** Every command; each file registers itself on the program under its noun. */
export const commands: ((program: Command) => void)[] = [
  demoPlay,
  seedMarketplace,
  dbMigrate,
  dbStatus,
  openapiPrint,
  userCreateAdmin,
  userBan,
  userUnban,
  userList,
  userShow,
  userPromote,
  userDemote,
  shopBan,
  shopUnban,
  shopList,
  shopShow,
  shopBalance,
  shopStatement,
  orderList,
  orderShow,
  orderRefund,
  eventList,
  eventDelete,
  couponList,
  couponDelete,
  outboxStatus,
  outboxDrain,
  ledgerVerify,
  ledgerShow,
  paymentsReconcile,
  paymentsRetryRefund,
  reconcileReport,
  productList,
  settleRun,
  withdrawList,
  withdrawShow,
  withdrawApprove,
  withdrawReject,
  productApprove,
  productReject,
  productHide,
  productRestore,
  catalogSeed,
  auditList,
  auditVerify,
  statsShow,
  conversationList,
  conversationShow,
  queueStats,
  queueFailed,
  queueRetry,
  queueRun,
  queuePause,
  queueResume,
  queueDashboard,
];
