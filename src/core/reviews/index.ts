export { createReview, createReviewInput } from './create-review.ts';
export { listProductReviews, type ReviewDto } from './list-reviews.ts';
