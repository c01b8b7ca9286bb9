/** Names of settings whose values are secrets by their look: API keys, tokens, passwords, Authorization. */
const SECRET_NAME = /key|token|secret|passw|authorization|credential/i;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}
