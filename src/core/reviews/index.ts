export { createReview, createReviewInput } from './create-review.ts';
export { productReviewsJson, reviewDto, toReviewDtos, type ReviewDto } from './list-reviews.ts';
