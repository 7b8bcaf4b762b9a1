export { DiscordEmulator, type StartOptions } from './emulator.ts';
export type {
  Attachment,
  Fault,
  Interaction,
  InteractionResponse,
  Message,
  RestCall,
  ThreadInfo,
} from './types.ts';
