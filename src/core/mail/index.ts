export { createMailer, type Mailer, type MailMessage } from './mailer.ts';
export { templates, renderTemplate, type TemplateName } from './templates.ts';
export { queueEmail, sendEmailHandler, MAIL_TOPIC } from './send-email.ts';
