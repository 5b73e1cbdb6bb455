export { createMailer, type Mailer, type MailMessage } from './mailer.ts';
export { templates, renderTemplate, type TemplateName } from './templates.ts';
export { queueEmail, emailItems, sendEmailHandler, MAIL_TOPIC, type QueuedEmail } from './send-email.ts';
