/** A setting is missing or malformed; the message names the variable. Start-up stops with it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
