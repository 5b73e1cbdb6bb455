export { toWithdrawalDto, maskAccountNumber, withdrawalDto, type WithdrawalDto } from './dto.ts';
export { withdrawalTransitions } from './status.ts';
export { requestWithdrawal, requestWithdrawalInput } from './request-withdrawal.ts';
export { approveWithdrawal, approveWithdrawalInput } from './approve-withdrawal.ts';
export { rejectWithdrawal, rejectWithdrawalInput } from './reject-withdrawal.ts';
export { listWithdrawals, listWithdrawalsInput } from './list-withdrawals.ts';
export { withdrawalTotals } from './totals.ts';
export { getWithdrawal, pendingWithdrawals, pendingWithdrawalsInput } from './get-withdrawal.ts';
