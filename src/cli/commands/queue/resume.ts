import type { Command } from 'commander';
import { example, noun } from '../../args.ts';
import { pauseOrResume } from '../../queues.ts';

/** `mvshop queue resume Q`: workers take the paused queue's jobs again. */
export default function register(program: Command): void {
  example(pauseOrResume(noun(program, 'queue'), 'resume'), 'mvshop queue resume email --yes');
}
