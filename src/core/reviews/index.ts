export { createReview, createReviewInput } from './create-review.ts';
export { productReviewsJson, toReviewDtos, type ReviewDto } from './list-reviews.ts';
