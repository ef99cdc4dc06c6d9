/** Piscina entry of the transfer pool: runs one send or receive task. */
import { receiveFile } from '../src/transfer/receive.js';
import { sendFile } from '../src/transfer/send.js';
import type { TransferTask } from '../src/transfer/tasks.js';

/** Runs a transfer task in this pool thread. */
export default async function runTransfer(task: TransferTask): Promise<unknown> {
  return task.kind === 'send' ? sendFile(task) : receiveFile(task);
}
