import type { Command } from 'commander';
import { example, noun } from '../../args.ts';
import { pauseOrResume } from '../../queues.ts';

/** `mvshop queue pause Q`: workers take no more jobs from the queue (they finish those they hold). */
export default function register(program: Command): void {
  example(pauseOrResume(noun(program, 'queue'), 'pause'), 'mvshop queue pause email --reason "SMTP provider incident" --yes');
}
