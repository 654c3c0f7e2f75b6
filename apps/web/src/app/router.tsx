import { createBrowserRouter, Navigate } from 'react-router';
import { Layout } from './Layout';
import { SignInPage } from '../pages/SignInPage';

/** Routes; every page but sign-in is its own chunk, so a first visit downloads only what it shows. */
export const router = createBrowserRouter([
  { path: '/signin', element: <SignInPage /> },
  {
    path: '/',
    element: <Layout />,
    hydrateFallbackElement: <p className="loading">Loading…</p>,
    children: [
      { index: true, element: <Navigate to="/review" replace /> },
      {
        path: 'review',
        lazy: () => import('../review/ReviewPage').then((m) => ({ Component: m.ReviewPage })),
      },
      {
        path: 'inspections',
        lazy: () => import('../pages/InspectionsPage').then((m) => ({ Component: m.InspectionsPage })),
      },
      {
        path: 'inspections/:id',
        lazy: () => import('../pages/InspectionPage').then((m) => ({ Component: m.InspectionPage })),
      },
      {
        path: 'dashboards',
        lazy: () => import('../dashboards/OverviewPage').then((m) => ({ Component: m.OverviewPage })),
      },
      {
        path: 'dashboards/lines/:lineId',
        lazy: () =>
          import('../dashboards/LineDashboardPage').then((m) => ({ Component: m.LineDashboardPage })),
      },
      {
        path: 'training',
        lazy: () => import('../training/TrainingJobsPage').then((m) => ({ Component: m.TrainingJobsPage })),
      },
      {
        path: 'training/new',
        lazy: () => import('../training/NewTrainingPage').then((m) => ({ Component: m.NewTrainingPage })),
      },
      {
        path: 'training/:id',
        lazy: () => import('../training/TrainingJobPage').then((m) => ({ Component: m.TrainingJobPage })),
      },
      {
        path: 'models',
        lazy: () => import('../models/ModelsPage').then((m) => ({ Component: m.ModelsPage })),
      },
      {
        path: 'models/compare',
        lazy: () => import('../models/ComparePage').then((m) => ({ Component: m.ComparePage })),
      },
      {
        path: 'models/:id',
        lazy: () => import('../models/ModelPage').then((m) => ({ Component: m.ModelPage })),
      },
      {
        path: 'admin',
        lazy: () => import('../admin/AdminLayout').then((m) => ({ Component: m.AdminLayout })),
        children: [
          { index: true, element: <Navigate to="/admin/lines" replace /> },
          {
            path: 'lines',
            lazy: () => import('../admin/LinesAdminPage').then((m) => ({ Component: m.LinesAdminPage })),
          },
          {
            path: 'lines/:id',
            lazy: () => import('../admin/LineAdminPage').then((m) => ({ Component: m.LineAdminPage })),
          },
          {
            path: 'people',
            lazy: () => import('../admin/PeoplePage').then((m) => ({ Component: m.PeoplePage })),
          },
          {
            path: 'audit',
            lazy: () => import('../admin/AuditPage').then((m) => ({ Component: m.AuditPage })),
          },
        ],
      },
      { path: '*', lazy: () => import('../pages/NotFoundPage').then((m) => ({ Component: m.NotFoundPage })) },
    ],
  },
]);
