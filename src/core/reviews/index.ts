export { createReview, createReviewInput } from './create-review.ts';
