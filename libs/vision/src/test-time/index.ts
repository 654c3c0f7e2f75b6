export {
  averageViews,
  checkViews,
  expandViews,
  scoreViews,
  TEST_TIME_VIEWS,
  TestTimeViewError,
  viewsFromSymmetries,
  type ScoredRows,
  type TestTimeView,
  type TrainedSymmetries,
} from './test-time.views';
