/**
 * The page's WebSocket to the relay: subscribes as a page, reconnects, and sends ops and demo commands.
 */
import type { InspectorCommand, PageMessage } from '../../src/inspect/protocol.js';

/** Result of a command, as reported by the app. */
export interface CommandResult {
  id: string;
  ok: boolean;
  error?: string;
}

/** A reconnecting subscription to the relay. */
export class RelayConnection {
  private socket: WebSocket | undefined;
  private retryMs = 500;
  private next = 0;
  state: 'connecting' | 'open' | 'closed' | 'refused' = 'connecting';

  constructor(
    private readonly url: string,
    private readonly onMessage: (message: PageMessage) => void,
    private readonly onState: (state: RelayConnection['state']) => void,
  ) {
    this.connect();
  }

  private connect(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 500;
      this.setState('open');
    };
    socket.onmessage = (event) => {
      try {
        this.onMessage(JSON.parse(String(event.data)) as PageMessage);
      } catch (error) {
        console.error('inspector: bad message', error);
      }
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.setState(event.code === 1006 && this.state === 'connecting' ? 'refused' : 'closed');
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 8_000);
    };
  }

  private setState(state: RelayConnection['state']): void {
    this.state = state;
    this.onState(state);
  }

  /** Sends a command to an app; returns its id (the result arrives as a `result` message). */
  command(appId: string, command: InspectorCommand): string {
    const id = `c${++this.next}`;
    this.socket?.send(JSON.stringify({ t: 'command', appId, id, command }));
    return id;
  }
}
