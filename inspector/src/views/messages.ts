/**
 * Plain words for the commands the page sends, used in the status line while a command is on its way and
 * when its result arrives ("Force alpha's breaker open: done.").
 */
import type { InspectorCommand } from '../../../src/inspect/protocol.js';

/** What a command does, in a sentence fragment. */
export function describeCommand(command: InspectorCommand): string {
  switch (command.type) {
    case 'breaker.forceOpen':
      return `Force ${command.provider}'s breaker open`;
    case 'breaker.disable':
      return `Disable ${command.provider}'s breaker (let every call through)`;
    case 'breaker.reset':
      return `Reset ${command.provider}'s breaker to closed`;
    case 'provider.setPriority':
      return `Set ${command.provider}'s rank to ${command.priority}`;
    case 'provider.setEnabled':
      return `${command.enabled ? 'Switch on' : 'Switch off'} ${command.provider}`;
    case 'demo.configure':
      return `Change ${command.provider}'s demo faults`;
    case 'demo.traffic':
      return `Set demo traffic to ${command.rps} requests/s`;
    default:
      return 'The command';
  }
}
