export {
  averageViews,
  checkViews,
  expandViews,
  TEST_TIME_VIEWS,
  TestTimeViewError,
  viewsFromSymmetries,
  type TestTimeView,
  type TrainedSymmetries,
} from './test-time.views';
