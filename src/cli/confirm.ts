import { createInterface } from 'node:readline/promises';
import { UserError } from '../base/errors.js';

/** Asks a yes/no question on the terminal; without a terminal, refuses and says to pass -y. */
export async function confirm(question: string, flag = '-y'): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new UserError(`${question.replace(/\?$/, '')}: confirmation needed, but stdin is not a terminal; pass ${flag} to proceed`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
