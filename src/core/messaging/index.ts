export type { ConversationDto, MessageDto, PartyDto } from './dto.ts';
export { conversationDto, messageDto } from './dto.ts';
export { createConversation, createConversationInput, type CreateConversationInput } from './create-conversation.ts';
export {
  listConversations,
  listConversationsInput,
  adminListConversations,
  adminConversationsInput,
  type AdminConversationsInput,
} from './list-conversations.ts';
export { postMessage, postMessageInput, MAX_MESSAGE_IMAGES, MAX_MESSAGE_LENGTH, type PostMessageInput } from './post-message.ts';
export { listMessages, listMessagesInput, type ListMessagesInput, type MessagePage } from './list-messages.ts';
export { unreadEmailHandler, UNREAD_EMAIL_TOPIC } from './unread-email.ts';
