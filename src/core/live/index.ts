export { liveEventTypes, publishOnCommit, type LiveEvent, type LiveEventType, type LivePublisher } from './live-events.ts';
