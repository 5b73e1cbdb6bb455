export { hashPassword, verifyPassword, preparePasswordChecks, passwordSchema, emailSchema } from './passwords.ts';
export { signSession, verifySession, type SessionClaims, type VerifiedSession } from './session-tokens.ts';
export { issueEmailToken, consumeEmailToken } from './email-tokens.ts';
export { startRegistration, consumeRegistration, pendingRegistrationHash } from './registration.ts';
export {
  authenticateSession,
  endSession,
  forgetSessionAccount,
  issueSessionToken,
  signInWithPassword,
  changeAccountPassword,
  requestPasswordReset,
  resetPasswordWithToken,
  findAccountByEmail,
  findAccountById,
  type AccountRow,
} from './accounts.ts';
export type { AzureIdentity, AzureTokenVerifier } from './azure-verifier.ts';
export {
  changePassword,
  forgotPassword,
  resetPassword,
  changePasswordInput,
  forgotPasswordInput,
  resetPasswordInput,
} from './password-flows.ts';
export { purgeExpiredTokens } from './purge-expired.ts';
