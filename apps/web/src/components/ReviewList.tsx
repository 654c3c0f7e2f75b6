import type { ReviewDto } from '../api/types';
import { formatTime } from './format';

/** Reviews newest first; a correcting review says which one it supersedes. */
export function ReviewList({ reviews }: { reviews: ReviewDto[] }) {
  if (reviews.length === 0) return <p className="muted">No reviews yet.</p>;
  const sorted = [...reviews].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <ol className="reviews" data-testid="reviews">
      {sorted.map((review) => (
        <li key={review.id}>
          <strong>{review.decision}</strong>
          {review.defectType && <> ({review.defectType})</>} by {review.reviewerName} ·{' '}
          {formatTime(review.createdAt)}
          {review.supersedesReviewId && <span className="muted"> · corrects an earlier review</span>}
          {review.note && <p className="note-text">{review.note}</p>}
        </li>
      ))}
    </ol>
  );
}
